import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { StageName } from '../../lib/config/schema';
import { ClusterStack } from '../../lib/stacks/cluster-stack';
import {
  AWS_STAGES,
  TEST_REGION,
  build,
  itMatchesSnapshotAndPassesNag,
  nagFindings,
  testConfig,
} from './support';

/** The cluster tests' own fixed account (the brief of the cluster stack). */
const ACCOUNT = '111111111111';
const KARPENTER_VERSION_OF = (stage: StageName) => testConfig(stage).cluster.karpenter.version;

type Patch = (raw: Record<string, unknown>) => void;

/** The cluster stack of a stage, synthesized. */
function synth(stage: StageName, patch: Patch = () => {}) {
  return build((app) => synthInto(app, stage, patch));
}

/** The cluster stack of a stage in `app`, with a VPC and an imported hosted zone in a stack of their own. */
function synthInto(app: App, stage: StageName, patch: Patch = () => {}): ClusterStack {
  const config = testConfig(stage, (raw) => {
    raw.env = { account: ACCOUNT, region: TEST_REGION };
    patch(raw);
  });
  const deps = new Stack(app, 'ClusterDeps', { env: config.env });
  const vpc = new ec2.Vpc(deps, 'Vpc', {
    availabilityZones: config.availabilityZones,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    ],
  });
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(deps, 'Zone', {
    hostedZoneId: config.dns.hostedZoneId,
    zoneName: config.dns.hostedZoneName,
  });
  return new ClusterStack(app, 'Cluster', { config, vpc, hostedZone });
}

const withCluster =
  (settings: Record<string, unknown>): Patch =>
  (raw) => {
    raw.cluster = { ...(raw.cluster as Record<string, unknown>), ...settings };
  };

/** A CloudFormation value rendered as text: tokens become `<Ref:Id>`, `<Id.Attr>`, `<Import:Name>`. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(text).join(sep);
  }
  if (v.Ref) return `<Ref:${v.Ref}>`;
  if (v['Fn::GetAtt']) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if (v['Fn::ImportValue']) return `<Import:${v['Fn::ImportValue']}>`;
  return JSON.stringify(value);
}

/** Synthesized CloudFormation JSON, as loosely typed as `Template.findResources` returns it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface ResourceJson {
  readonly id: string;
  readonly Properties: Json;
  readonly DependsOn?: string[];
}

function resourcesOfType(template: Template, type: string): ResourceJson[] {
  return Object.entries(template.findResources(type)).map(([id, r]) => ({
    id,
    Properties: r.Properties,
    DependsOn: r.DependsOn,
  }));
}

/** The Helm releases by release name. */
function helmReleases(template: Template) {
  const releases = resourcesOfType(template, 'Custom::AWSCDK-EKS-HelmChart');
  return Object.fromEntries(releases.map((r) => [r.Properties.Release as string, r]));
}

function helmValues(template: Template, release: string): Record<string, unknown> {
  return JSON.parse(text(helmReleases(template)[release].Properties.Values));
}

/** Every Kubernetes object the stack applies through manifests. */
function kubernetesObjects(template: Template): { kind: string; [key: string]: unknown }[] {
  return resourcesOfType(template, 'Custom::AWSCDK-EKS-KubernetesResource').flatMap((r) =>
    JSON.parse(text(r.Properties.Manifest)),
  );
}

function objectOfKind<T = Record<string, unknown>>(template: Template, kind: string): T {
  const found = kubernetesObjects(template).filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as unknown as T;
}

/** Statements of the inline policies attached to the role whose logical id starts with `rolePrefix`. */
function roleStatements(template: Template, rolePrefix: string): Record<string, unknown>[] {
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function statement(statements: Record<string, unknown>[], sid: string): Record<string, unknown> {
  const found = statements.filter((s) => s.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0];
}

describe.each(AWS_STAGES)('cluster stack, stage %s', (stage) => {
  let built: ReturnType<typeof synth>;
  beforeAll(() => {
    built = synth(stage);
  });

  itMatchesSnapshotAndPassesNag(() => built);

  test('when synthesized, then every Helm release has a timeout below the 15-minute Lambda limit', () => {
    const releases = Object.values(helmReleases(built.template));
    const { monitoring } = testConfig(stage);
    // Karpenter (2), the ALB controller, external-dns, metrics-server; the monitoring CRDs and stack; the collector.
    expect(releases).toHaveLength(5 + (monitoring.enabled ? 2 : 0) + (monitoring.tracing ? 1 : 0));
    for (const release of releases) {
      const seconds = Number(/^(\d+)s$/.exec(release.Properties.Timeout)?.[1]);
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThan(900);
    }
  });
});

describe('cluster stack (prod)', () => {
  let template: Template;
  beforeAll(() => {
    template = synth('prod').template;
  });

  describe('the EKS cluster', () => {
    test('when synthesized, then it runs Kubernetes 1.35 with all five control-plane log types', () => {
      template.hasResourceProperties('AWS::EKS::Cluster', {
        Name: 'eksref-prod',
        Version: '1.35',
        Logging: {
          ClusterLogging: {
            EnabledTypes: [
              { Type: 'api' },
              { Type: 'audit' },
              { Type: 'authenticator' },
              { Type: 'controllerManager' },
              { Type: 'scheduler' },
            ],
          },
        },
        // Not Auto Mode: Karpenter and the node group provide capacity.
        ComputeConfig: { Enabled: false },
        AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false },
      });
    });

    test('when synthesized, then secrets are envelope-encrypted with a rotating KMS key of the stack', () => {
      const keys = resourcesOfType(template, 'AWS::KMS::Key');
      expect(keys).toHaveLength(1);
      expect(keys[0].Properties.EnableKeyRotation).toBe(true);
      template.hasResourceProperties('AWS::EKS::Cluster', {
        EncryptionConfig: [
          { Provider: { KeyArn: { 'Fn::GetAtt': [keys[0].id, 'Arn'] } }, Resources: ['secrets'] },
        ],
      });
    });

    test('when the stage asks for public-and-private, then both endpoints are on and the control plane uses private subnets only', () => {
      template.hasResourceProperties('AWS::EKS::Cluster', {
        ResourcesVpcConfig: {
          EndpointPrivateAccess: true,
          EndpointPublicAccess: true,
          SubnetIds: [
            { 'Fn::ImportValue': Match.stringLikeRegexp('VpcprivateSubnet1') },
            { 'Fn::ImportValue': Match.stringLikeRegexp('VpcprivateSubnet2') },
            { 'Fn::ImportValue': Match.stringLikeRegexp('VpcprivateSubnet3') },
          ],
        },
      });
    });

    test('when synthesized, then the kubectl provider carries the kubectl 1.35 layer', () => {
      const layer = resourcesOfType(template, 'AWS::Lambda::LayerVersion').find((l) =>
        String(l.Properties.Description).includes('kubectl'),
      );
      expect(layer?.Properties.Description).toMatch(/kubectl 1\.35\./);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: 'onEvent handler for EKS kubectl resource provider',
        Layers: Match.arrayWith([{ Ref: layer?.id }]),
      });
    });

    test('when synthesized, then the managed system node group is AL2023, tainted, labelled and sized from config', () => {
      template.hasResourceProperties('AWS::EKS::Nodegroup', {
        AmiType: 'AL2023_x86_64_STANDARD',
        InstanceTypes: ['m7i.large', 'm6i.large'],
        ScalingConfig: { MinSize: 3, DesiredSize: 3, MaxSize: 6 },
        Labels: { 'node-purpose': 'system' },
        Taints: [{ Key: 'CriticalAddonsOnly', Value: 'true', Effect: 'NO_SCHEDULE' }],
        Subnets: Match.arrayEquals([
          { 'Fn::ImportValue': Match.stringLikeRegexp('VpcprivateSubnet1') },
          { 'Fn::ImportValue': Match.stringLikeRegexp('VpcprivateSubnet2') },
          { 'Fn::ImportValue': Match.stringLikeRegexp('VpcprivateSubnet3') },
        ]),
      });
    });

    test('when an admin principal is configured, then it gets a cluster-scoped AmazonEKSClusterAdminPolicy access entry', () => {
      template.hasResourceProperties('AWS::EKS::AccessEntry', {
        PrincipalArn: 'arn:aws:iam::333333333333:role/PlatformAdmin',
        AccessPolicies: [
          {
            AccessScope: { Type: 'cluster' },
            PolicyArn: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
                ],
              ],
            },
          },
        ],
      });
    });

    test('when synthesized, then the Pod Identity agent add-on is installed', () => {
      template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent' });
    });

    test('when Karpenter discovers security groups, then the cluster security group gets the discovery tag (and loses it on delete)', () => {
      const tagger = resourcesOfType(template, 'Custom::AWS');
      expect(tagger).toHaveLength(1);
      const create = JSON.parse(text(tagger[0].Properties.Create));
      expect(create).toMatchObject({
        service: 'EC2',
        action: 'createTags',
        parameters: {
          Resources: [`<${clusterLogicalId(template)}.ClusterSecurityGroupId>`],
          Tags: [{ Key: 'karpenter.sh/discovery', Value: 'eksref-prod' }],
        },
      });
      expect(JSON.parse(text(tagger[0].Properties.Delete)).action).toBe('deleteTags');
    });
  });

  describe('Karpenter', () => {
    test('when synthesized, then the node role has exactly the four node policies, an instance profile and an EC2_LINUX access entry', () => {
      const nodeRole = resourcesOfType(template, 'AWS::IAM::Role').find((r) =>
        r.id.startsWith('KarpenterNodeRole'),
      );
      expect(nodeRole?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } },
      ]);
      expect(nodeRole?.Properties.ManagedPolicyArns.map(text).sort()).toEqual([
        'arn:<Ref:AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
        'arn:<Ref:AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy',
        'arn:<Ref:AWS::Partition>:iam::aws:policy/AmazonEKS_CNI_Policy',
        'arn:<Ref:AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore',
      ]);
      template.hasResourceProperties('AWS::IAM::InstanceProfile', { Roles: [{ Ref: nodeRole?.id }] });
      template.hasResourceProperties('AWS::EKS::AccessEntry', {
        PrincipalArn: { 'Fn::GetAtt': [nodeRole?.id, 'Arn'] },
        Type: 'EC2_LINUX',
        AccessPolicies: [],
      });
    });

    test('when synthesized, then the interruption queue is SSE, TLS-only and keeps messages 5 minutes', () => {
      const queues = resourcesOfType(template, 'AWS::SQS::Queue');
      expect(queues).toHaveLength(1);
      expect(queues[0].Properties).toMatchObject({ MessageRetentionPeriod: 300, SqsManagedSseEnabled: true });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queues[0].id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Allow',
              Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
              Principal: { Service: 'events.amazonaws.com' },
            }),
          ]),
        },
      });
    });

    test('when interruption events happen, then exactly four rules with the reference patterns feed the queue', () => {
      const queue = resourcesOfType(template, 'AWS::SQS::Queue')[0];
      const rules = resourcesOfType(template, 'AWS::Events::Rule');
      expect(rules.map((r) => r.Properties.EventPattern)).toEqual(
        expect.arrayContaining([
          { source: ['aws.health'], 'detail-type': ['AWS Health Event'] },
          { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
          { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
          { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
        ]),
      );
      expect(rules).toHaveLength(4);
      for (const rule of rules) {
        expect(rule.Properties.State).toBe('ENABLED');
        expect(rule.Properties.Targets).toEqual([
          expect.objectContaining({ Arn: { 'Fn::GetAtt': [queue.id, 'Arn'] } }),
        ]);
      }
    });

    test('when the controller launches nodes, then EC2 writes are conditioned on the cluster-owned and nodepool tags', () => {
      const statements = roleStatements(template, 'KarpenterControllerServiceAccountRole');
      const owned = {
        'aws:RequestTag/kubernetes.io/cluster/eksref-prod': 'owned',
        'aws:RequestTag/eks:eks-cluster-name': 'eksref-prod',
      };
      expect(statement(statements, 'AllowScopedEC2InstanceActionsWithTags')).toMatchObject({
        Action: ['ec2:CreateFleet', 'ec2:CreateLaunchTemplate', 'ec2:RunInstances'],
        Condition: { StringEquals: owned, StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' } },
      });
      expect(statement(statements, 'AllowScopedResourceCreationTagging')).toMatchObject({
        Action: 'ec2:CreateTags',
        Condition: {
          StringEquals: {
            ...owned,
            'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
          },
          StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
        },
      });
      const ownedByPool = {
        StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/eksref-prod': 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      };
      expect(statement(statements, 'AllowScopedDeletion')).toMatchObject({
        Action: ['ec2:DeleteLaunchTemplate', 'ec2:TerminateInstances'],
        Condition: ownedByPool,
      });
      expect(statement(statements, 'AllowScopedEC2LaunchTemplateAccessActions').Condition).toEqual(
        ownedByPool,
      );
      expect(statement(statements, 'AllowScopedResourceTagging').Condition).toMatchObject({
        ...ownedByPool,
        'ForAllValues:StringEquals': {
          'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'],
        },
      });
      expect(statement(statements, 'AllowRegionalReadActions').Condition).toEqual({
        StringEquals: { 'aws:RequestedRegion': TEST_REGION },
      });
      // Only calls without resource-level permissions are unscoped.
      const unscoped = statements.filter((s) => s.Resource === '*');
      expect(unscoped.map((s) => s.Sid).sort()).toEqual([
        'AllowPricingReadActions',
        'AllowRegionalReadActions',
        'AllowUnscopedInstanceProfileListAction',
        'AllowZonalShiftStatusReadOnly',
      ]);
      expect(
        unscoped.flatMap((s) => [s.Action].flat()).filter((a) => !/:(Describe|Get|List)/.test(String(a))),
      ).toEqual([]);
    });

    test('when the controller passes roles and reads queues, then only the node role, the instance profile and the interruption queue qualify', () => {
      const statements = roleStatements(template, 'KarpenterControllerServiceAccountRole');
      const nodeRole = resourcesOfType(template, 'AWS::IAM::Role').find((r) =>
        r.id.startsWith('KarpenterNodeRole'),
      );
      const profile = resourcesOfType(template, 'AWS::IAM::InstanceProfile')[0];
      const queue = resourcesOfType(template, 'AWS::SQS::Queue')[0];
      expect(statement(statements, 'AllowPassingInstanceRole')).toMatchObject({
        Action: 'iam:PassRole',
        Resource: { 'Fn::GetAtt': [nodeRole?.id, 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
      });
      expect(statement(statements, 'AllowInstanceProfileReadActions').Resource).toEqual({
        'Fn::GetAtt': [profile.id, 'Arn'],
      });
      expect(statement(statements, 'AllowInterruptionQueueActions')).toMatchObject({
        Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        Resource: { 'Fn::GetAtt': [queue.id, 'Arn'] },
      });
      // Karpenter gets a pre-made instance profile, so it may not create or change any.
      const actions = statements.flatMap((s) => [s.Action].flat());
      expect(
        actions.filter((a) => /InstanceProfile$/.test(String(a)) && !/^iam:(Get|List)/.test(String(a))),
      ).toEqual([]);
    });

    test('when installed, then the CRD chart comes before the controller chart, which comes before the NodePool', () => {
      const releases = helmReleases(template);
      const crd = releases['karpenter-crd'];
      const controller = releases['karpenter'];
      expect(crd.Properties).toMatchObject({
        Repository: 'oci://public.ecr.aws/karpenter/karpenter-crd',
        Version: KARPENTER_VERSION_OF('prod'),
        Namespace: 'kube-system',
      });
      expect(controller.Properties).toMatchObject({
        Repository: 'oci://public.ecr.aws/karpenter/karpenter',
        Version: KARPENTER_VERSION_OF('prod'),
        SkipCrds: true,
      });
      expect(controller.DependsOn).toContain(crd.id);
      expect(crd.DependsOn ?? []).not.toContain(controller.id);
      const nodePool = resourcesOfType(template, 'Custom::AWSCDK-EKS-KubernetesResource').find((r) =>
        text(r.Properties.Manifest).includes('"kind":"NodePool"'),
      );
      expect(nodePool?.DependsOn).toContain(controller.id);
    });

    test('when installed, then the controller runs on the system nodes and knows its cluster and queue', () => {
      const queue = resourcesOfType(template, 'AWS::SQS::Queue')[0];
      expect(helmValues(template, 'karpenter')).toEqual({
        settings: { clusterName: 'eksref-prod', interruptionQueue: `<${queue.id}.QueueName>` },
        serviceAccount: { create: false, name: 'karpenter' },
        nodeSelector: { 'node-purpose': 'system' },
        tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists', effect: 'NoSchedule' }],
      });
    });

    test('when nodes launch, then the EC2NodeClass asks for AL2023, IMDSv2 with hop limit 1, an encrypted gp3 root volume and discovery tags', () => {
      const profile = resourcesOfType(template, 'AWS::IAM::InstanceProfile')[0];
      const discovery = [{ tags: { 'karpenter.sh/discovery': 'eksref-prod' } }];
      expect(objectOfKind(template, 'EC2NodeClass')).toMatchObject({
        apiVersion: 'karpenter.k8s.aws/v1',
        metadata: { name: 'default' },
        spec: {
          amiSelectorTerms: [{ alias: 'al2023@latest' }],
          instanceProfile: `<Ref:${profile.id}>`,
          subnetSelectorTerms: discovery,
          securityGroupSelectorTerms: discovery,
          metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' },
          blockDeviceMappings: [
            {
              deviceName: '/dev/xvda',
              ebs: { volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
            },
          ],
          tags: { Application: 'eksref', Environment: 'prod' },
        },
      });
    });

    test('when pods are pending, then the NodePool offers the configured categories and capacity types on both architectures within the limits', () => {
      expect(objectOfKind(template, 'NodePool')).toMatchObject({
        apiVersion: 'karpenter.sh/v1',
        spec: {
          template: {
            spec: {
              nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
              requirements: expect.arrayContaining([
                { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
                { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
                { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] },
              ]),
            },
          },
          limits: { cpu: '256', memory: '1024Gi' },
          disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized' },
        },
      });
    });
  });

  describe('controllers', () => {
    test('when external-dns changes records, then IAM allows changes only in the stage hosted zone', () => {
      const statements = roleStatements(template, 'ControllersExternalDnsServiceAccountRole');
      const changes = statements.filter((s) =>
        [s.Action].flat().includes('route53:ChangeResourceRecordSets'),
      );
      expect(changes).toHaveLength(1);
      expect(text(changes[0].Resource)).toBe(
        'arn:<Ref:AWS::Partition>:route53:::hostedzone/Z0PRODEXAMPLE00000001',
      );
      const unscoped = statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat());
      expect(unscoped).toEqual(['route53:ListHostedZones']);
    });

    test('when external-dns runs, then its flags limit it to the stage zone and its own TXT-owned records', () => {
      expect(helmValues(template, 'external-dns')).toMatchObject({
        provider: { name: 'aws' },
        domainFilters: ['example.com'],
        extraArgs: ['--zone-id-filter=Z0PRODEXAMPLE00000001'],
        policy: 'sync',
        registry: 'txt',
        txtOwnerId: 'eksref-prod',
        serviceAccount: { create: false, name: 'external-dns' },
      });
    });

    test('when the load balancer controller and metrics-server install, then they use the configured versions on the system nodes', () => {
      const releases = helmReleases(template);
      expect(helmValues(template, 'aws-load-balancer-controller')).toMatchObject({
        clusterName: `<Ref:${clusterLogicalId(template)}>`,
        image: { tag: 'v3.2.2' },
        nodeSelector: { 'node-purpose': 'system' },
      });
      expect(releases['metrics-server'].Properties.Version).toBe('3.13.0');
      expect(helmValues(template, 'metrics-server')).toMatchObject({
        nodeSelector: { 'node-purpose': 'system' },
      });
    });

    test('when an Ingress names a web ACL, then the ALB controller may look it up and associate and disassociate it', () => {
      const actions = roleStatements(template, 'ControllersLoadBalancerControlleralbsaRole').flatMap((st) =>
        [st.Action].flat(),
      );
      expect(actions).toEqual(
        expect.arrayContaining([
          'wafv2:GetWebACL',
          'wafv2:GetWebACLForResource',
          'wafv2:AssociateWebACL',
          'wafv2:DisassociateWebACL',
        ]),
      );
    });

    test('when a release depends on `controllers`, then it waits for the ALB controller and external-dns releases', () => {
      const { stack } = build((app) => {
        const built = synthInto(app, 'prod');
        const probe = new CfnResource(built, 'Probe', { type: 'AWS::SSM::Parameter', properties: {} });
        probe.node.addDependency(built.controllers);
        return built;
      });
      const probed = Template.fromStack(stack);
      const dependsOn = probed.toJSON().Resources.Probe.DependsOn as string[];
      const releases = helmReleases(probed);
      expect(dependsOn).toEqual(
        expect.arrayContaining([releases['aws-load-balancer-controller'].id, releases['external-dns'].id]),
      );
      expect(dependsOn).not.toContain(releases['metrics-server'].id);
    });
  });
});

describe('cluster stack identity modes', () => {
  test('when identityMode is irsa, then the Karpenter role trusts the OIDC provider for kube-system:karpenter only', () => {
    const { template } = synth('dev');
    const role = resourcesOfType(template, 'AWS::IAM::Role').find((r) =>
      r.id.startsWith('KarpenterControllerServiceAccountRole'),
    );
    const trust = role?.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: { Ref: expect.stringMatching(/^ClusterOidcProviderNative/) } },
    });
    const conditionJson = resourcesOfType(template, 'Custom::AWSCDKCfnJson').find(
      (c) => c.id === trust[0].Condition.StringEquals['Fn::GetAtt'][0],
    );
    expect(text(conditionJson?.Properties.Value)).toContain('"system:serviceaccount:kube-system:karpenter"');
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
  });

  describe('when identityMode is pod-identity', () => {
    let built: ReturnType<typeof synth>;
    beforeAll(() => {
      built = synth('dev', (raw) => {
        raw.identityMode = 'pod-identity';
      });
    });

    test('then Karpenter and external-dns get Pod Identity associations and roles trusted by pods.eks.amazonaws.com', () => {
      const { template } = built;
      const associations = resourcesOfType(template, 'AWS::EKS::PodIdentityAssociation').map(
        (a) => a.Properties,
      );
      expect(associations.map((a) => `${a.Namespace}/${a.ServiceAccount}`).sort()).toEqual([
        'kube-system/external-dns',
        'kube-system/karpenter',
      ]);
      const karpenter = associations.find((a) => a.ServiceAccount === 'karpenter');
      const role = resourcesOfType(template, 'AWS::IAM::Role').find(
        (r) => r.id === karpenter?.RoleArn['Fn::GetAtt'][0],
      );
      expect(role?.id).toMatch(/^KarpenterControllerServiceAccountRole/);
      expect(role?.Properties.AssumeRolePolicyDocument.Statement).toContainEqual({
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
      });
    });

    test('then the Karpenter release waits for the Pod Identity agent', () => {
      const { template } = built;
      const addon = resourcesOfType(template, 'AWS::EKS::Addon')[0];
      expect(helmReleases(template)['karpenter'].DependsOn).toContain(addon.id);
    });

    test('then cdk-nag AwsSolutions reports nothing unacknowledged', () => {
      expect(nagFindings(built.app, built.stack)).toEqual([]);
    });
  });
});

describe('cluster stack with a release from another stack', () => {
  test('when a chart asset is installed through its kubectl provider, then cdk-nag still reports nothing unacknowledged', () => {
    const built = build((app) => {
      const clusterStack = synthInto(app, 'dev');
      const release = new Stack(app, 'Release', { env: { account: ACCOUNT, region: TEST_REGION } });
      const chartDir = mkdtempSync(join(tmpdir(), 'chart-'));
      writeFileSync(join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.1.0\n');
      new eks.HelmChart(release, 'Chart', {
        cluster: clusterStack.cluster,
        chartAsset: new Asset(release, 'ChartAsset', { path: chartDir }),
      });
      return clusterStack;
    });
    expect(nagFindings(built.app, built.stack)).toEqual([]);
  });
});

describe('cluster stack configuration', () => {
  test('when endpoint access is private, then the public endpoint is off', () => {
    const { template } = synth('dev', withCluster({ endpointAccess: 'private' }));
    template.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: { EndpointPrivateAccess: true, EndpointPublicAccess: false },
    });
  });

  test.each(['1.34', '1.36'])(
    'when kubernetesVersion is %s, then the cluster runs it (within one minor of the kubectl 1.35 layer)',
    (version) => {
      const { template } = synth('dev', withCluster({ kubernetesVersion: version }));
      template.hasResourceProperties('AWS::EKS::Cluster', { Version: version });
    },
  );

  test('when the system node group is Graviton, then it gets the arm64 AL2023 AMI', () => {
    const { template } = synth(
      'dev',
      withCluster({
        systemNodeGroup: { instanceTypes: ['m7g.large'], minSize: 2, maxSize: 3, desiredSize: 2 },
      }),
    );
    template.hasResourceProperties('AWS::EKS::Nodegroup', { AmiType: 'AL2023_ARM_64_STANDARD' });
  });

  test('when no admin principal is configured, then only the kubectl provider and the Karpenter nodes have access entries', () => {
    const { template } = synth('dev');
    const entries = resourcesOfType(template, 'AWS::EKS::AccessEntry').map((e) => e.id);
    expect(entries.sort()).toEqual([
      expect.stringMatching(/^ClusterClusterAdminRoleAccess/),
      expect.stringMatching(/^KarpenterNodeAccessEntry/),
    ]);
  });

  test('when the system node group mixes architectures, then synth stops naming the key', () => {
    expect(() =>
      synth(
        'dev',
        withCluster({
          systemNodeGroup: {
            instanceTypes: ['m7i.large', 'm7g.large'],
            minSize: 2,
            maxSize: 3,
            desiredSize: 2,
          },
        }),
      ),
    ).toThrow(/cluster\.systemNodeGroup\.instanceTypes/);
  });

  test('when the ALB controller version has no policy in aws-eks-v2, then synth stops naming the key', () => {
    expect(() => synth('dev', withCluster({ albControllerVersion: 'v9.9.9' }))).toThrow(
      /cluster\.albControllerVersion: v9\.9\.9/,
    );
  });
});

function clusterLogicalId(template: Template): string {
  return resourcesOfType(template, 'AWS::EKS::Cluster')[0].id;
}
