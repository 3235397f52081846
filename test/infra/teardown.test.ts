/**
 * `cdk destroy --all` deletes in the reverse of the order the templates create in. These tests read
 * that order from the synthesized app: stack dependencies across stacks, and within a template each
 * resource's DependsOn plus the resources it references (CloudFormation waits for both).
 */
import { Template } from 'aws-cdk-lib/assertions';

import { composeStage } from '../../lib/app';
import { testApp, testConfig } from './support';

/** Synthesized CloudFormation JSON, as loosely typed as the template is. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Logical ids a value references through Ref and Fn::GetAtt. */
function references(value: Json, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => references(v, into));
  else if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string') into.add(value.Ref);
    if (Array.isArray(value['Fn::GetAtt'])) into.add(value['Fn::GetAtt'][0]);
    Object.values(value).forEach((v) => references(v, into));
  }
  return into;
}

/** Every resource `id` waits for on create (so outlives on delete): DependsOn and references, transitively. */
function waitsFor(template: Template, id: string): Set<string> {
  const resources = template.toJSON().Resources as Record<string, Json>;
  const seen = new Set<string>();
  const visit = (current: string) => {
    const resource = resources[current];
    if (!resource) return;
    const direct = new Set([...(resource.DependsOn ?? []), ...references(resource.Properties)]);
    for (const next of direct) {
      if (resources[next] && !seen.has(next)) {
        seen.add(next);
        visit(next);
      }
    }
  };
  visit(id);
  return seen;
}

function logicalIdOf(template: Template, type: string, match: (properties: Json) => boolean): string {
  const found = Object.entries(template.findResources(type)).filter(([, r]) => match(r.Properties));
  expect(found).toHaveLength(1);
  return found[0][0];
}

const release = (template: Template, name: string) =>
  logicalIdOf(template, 'Custom::AWSCDK-EKS-HelmChart', (p) => p.Release === name);

describe('teardown order of a stage (dev)', () => {
  const app = testApp();
  const stacks = composeStage(app, testConfig('dev'));
  const cluster = Template.fromStack(stacks.cluster!);
  const service = Template.fromStack(stacks.service!);
  const manifests = Object.entries(cluster.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
  const nodePoolId = manifests.find(([, r]) =>
    JSON.stringify(r.Properties.Manifest).includes('NodePool'),
  )![0];
  const clusterId = Object.keys(cluster.findResources('AWS::EKS::Cluster'))[0];

  test('when the stage is destroyed, then the service stack (its release and Ingress) goes before the cluster stack', () => {
    expect(stacks.service!.dependencies).toContain(stacks.cluster);
    const serviceRelease = release(service, 'eks-service');
    // helm uninstall --wait returns only when the Ingress is gone, i.e. after the ALB controller has
    // deleted the ALB (the Ingress carries its finalizer until then).
    expect(service.toJSON().Resources[serviceRelease].Properties.Wait).toBe(true);
  });

  test('when the cluster stack is destroyed, then the ALB controller goes before external-dns, and both before the cluster', () => {
    const alb = release(cluster, 'aws-load-balancer-controller');
    const externalDns = release(cluster, 'external-dns');
    expect(waitsFor(cluster, alb)).toContain(externalDns);
    expect(waitsFor(cluster, externalDns)).not.toContain(alb);
    expect(waitsFor(cluster, externalDns)).toContain(clusterId);
    for (const id of [alb, externalDns]) {
      expect(cluster.toJSON().Resources[id].Properties.Wait).toBe(true);
    }
  });

  test('when the cluster stack is destroyed, then the NodePool goes before the Karpenter controller, its CRDs, the node access entry and the cluster', () => {
    const controller = release(cluster, 'karpenter');
    const crds = release(cluster, 'karpenter-crd');
    const nodeAccess = logicalIdOf(cluster, 'AWS::EKS::AccessEntry', (p) => p.Type === 'EC2_LINUX');
    const nodePoolWaitsFor = waitsFor(cluster, nodePoolId);
    expect([...nodePoolWaitsFor]).toEqual(expect.arrayContaining([controller, crds, nodeAccess, clusterId]));
    expect(waitsFor(cluster, controller)).not.toContain(nodePoolId);
    // One `kubectl delete -f` removes the NodePool and its EC2NodeClass, and kubectl waits for their
    // finalizers: the EC2NodeClass's holds until every node it launched is terminated.
    const manifest = JSON.stringify(cluster.toJSON().Resources[nodePoolId].Properties.Manifest);
    // kinds of the two objects (and the NodePool's nodeClassRef)
    const kinds = [...manifest.matchAll(/\\"kind\\":\\"(\w+)\\"/g)].map((m) => m[1]);
    expect([...new Set(kinds)]).toEqual(['EC2NodeClass', 'NodePool']);
  });

  test('when the cluster stack is destroyed, then the controllers are removed before the system nodes they run on', () => {
    const systemNodes = Object.keys(cluster.findResources('AWS::EKS::Nodegroup'))[0];
    for (const name of ['karpenter', 'aws-load-balancer-controller', 'external-dns', 'metrics-server']) {
      expect(waitsFor(cluster, release(cluster, name))).toContain(systemNodes);
    }
  });
});
