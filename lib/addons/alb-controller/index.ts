import { CfnResource } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';

import { skipCheckov } from '../../compliance/checkov';
import { NAG_PARTITION, acknowledge, wildcardFinding } from '../../compliance/nag';
import { HelmAddonProps, addonOptions, helmAddonValues, helmTimeout } from '../helm-addon';

export const DEFAULTS = {
  /** Replicas of the controller (its webhook must answer while one pod restarts). */
  replicas: 2,
} as const;

/** Wildcard resources of the upstream controller policy (identical from v2.17.1 through v3.2.2). */
const ALB_CONTROLLER_WILDCARDS = [
  '*',
  `arn:${NAG_PARTITION}:ec2:*:*:security-group/*`,
  ...['targetgroup/*/*', 'loadbalancer/net/*/*', 'loadbalancer/app/*/*'].map(
    (r) => `arn:${NAG_PARTITION}:elasticloadbalancing:*:*:${r}`,
  ),
  ...['listener', 'listener-rule'].flatMap((kind) =>
    ['net', 'app'].map((type) => `arn:${NAG_PARTITION}:elasticloadbalancing:*:*:${kind}/${type}/*/*/*`),
  ),
];

export interface LoadBalancerControllerProps extends HelmAddonProps {
  /** A version aws-eks-v2 ships the IAM policy of, written like `v3.2.2` (see `albControllerVersion`). */
  readonly version: string;
  /** @default DEFAULTS.replicas */
  readonly replicas?: number;
}

/**
 * The AWS Load Balancer Controller through aws-eks-v2's `AlbController` (IRSA service account, the IAM
 * policy CDK ships for the version, the eks-charts release), with the pods placed and the release's
 * Helm timeout lowered from the construct's fixed 15 minutes.
 */
export class LoadBalancerController extends Construct {
  readonly controller: eks.AlbController;

  constructor(scope: Construct, id: string, props: LoadBalancerControllerProps) {
    super(scope, id);
    const options = addonOptions(DEFAULTS, props);
    this.controller = new eks.AlbController(this, 'Controller', {
      cluster: options.cluster,
      version: albControllerVersion(options.version),
      additionalHelmChartValues: helmAddonValues({ replicaCount: options.replicas }, options),
    });
    acknowledge(
      this.controller,
      'The IAM policy aws-eks-v2 ships for this controller version (the upstream iam_policy.json): it creates ' +
        'and deletes load balancers, target groups, listeners, rules and security groups whose names it cannot ' +
        'know in advance; writes are conditioned on the elbv2.k8s.aws/cluster tag, and Describe* calls ' +
        'support no resource-level scoping.',
      ...ALB_CONTROLLER_WILDCARDS.map(wildcardFinding),
    );
    skipCheckov(
      this.controller,
      'AWS::IAM::Policy',
      'The upstream controller policy aws-eks-v2 ships for this version: it creates load balancers, target ' +
        'groups, listeners, rules and security groups whose ARNs do not exist before it does, so writes are ' +
        'on wildcard ARNs, conditioned on the elbv2.k8s.aws/cluster tag where the API supports it.',
      'CKV_AWS_111',
    );
    // AlbController fixes Timeout at 900s, the Lambda's own limit, leaving no time to report a failure.
    const helmChart = this.controller.node.findChild('Resource') as eks.HelmChart;
    const release = helmChart.node.findChild('Resource').node.defaultChild as CfnResource;
    release.addPropertyOverride('Timeout', `${helmTimeout(options, id).toSeconds()}s`);
  }
}

/** The aws-eks-v2 `AlbControllerVersion` written like `v3.2.2`, or a synth error listing the known ones. */
export function albControllerVersion(version: string): eks.AlbControllerVersion {
  const known = Object.values(eks.AlbControllerVersion).filter(
    (v): v is eks.AlbControllerVersion => v instanceof eks.AlbControllerVersion,
  );
  const match = known.find((v) => v.version === version);
  if (!match) {
    throw new Error(
      `cluster.albControllerVersion: ${version} is not a version aws-eks-v2 ships a policy for ` +
        `(${known.map((v) => v.version).join(', ')})`,
    );
  }
  return match;
}
