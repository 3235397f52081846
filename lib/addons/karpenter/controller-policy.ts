import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** What the Karpenter controller's permissions are scoped to. */
export interface KarpenterControllerPolicyScope {
  /** The cluster's name as a literal (it is part of IAM condition keys, which cannot hold tokens). */
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly region: string;
  readonly account: string;
  readonly interruptionQueueArn: string;
  /** The node role Karpenter passes to the instances it launches. */
  readonly nodeRoleArn: string;
  /** The instance profile named in the EC2NodeClass (Karpenter never creates one itself here). */
  readonly instanceProfileArn: string;
}

/**
 * The Karpenter v1 controller policy, following the statements of the upstream CloudFormation
 * reference (`cloudformation.yaml` of the getting-started guide: NodeLifecycle, IAMIntegration,
 * EKSIntegration, Interruption, ResourceDiscovery and ZonalShift policies), with two tightenings:
 * - The EC2NodeClass names a pre-created instance profile, so the statements that let Karpenter create,
 *   tag, fill and delete instance profiles are left out, and `iam:GetInstanceProfile` is limited to
 *   that one profile.
 * - Account ids are the stack's account instead of `*`.
 * Every EC2 write is conditioned on the `kubernetes.io/cluster/<name>: owned`, `eks:eks-cluster-name`
 * and `karpenter.sh/nodepool` tags Karpenter puts on what it launches.
 * `partition` is only replaced to name the resources the way cdk-nag reports them.
 */
export function karpenterControllerStatements(
  scope: KarpenterControllerPolicyScope,
  partition: string = Aws.PARTITION,
): iam.PolicyStatement[] {
  const { clusterName, region, account } = scope;
  const ec2 = (resource: string, owner = account) => `arn:${partition}:ec2:${region}:${owner}:${resource}`;
  const ownedRequestTag = `aws:RequestTag/kubernetes.io/cluster/${clusterName}`;
  const ownedResourceTag = `aws:ResourceTag/kubernetes.io/cluster/${clusterName}`;
  const launchedResources = [
    'fleet/*',
    'instance/*',
    'volume/*',
    'network-interface/*',
    'launch-template/*',
    'spot-instances-request/*',
  ].map((r) => ec2(r));
  const requestTagsOfLaunch = {
    StringEquals: { [ownedRequestTag]: 'owned', 'aws:RequestTag/eks:eks-cluster-name': clusterName },
    StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
  };
  const ownedByNodePool = {
    StringEquals: { [ownedResourceTag]: 'owned' },
    StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
  };

  return [
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2InstanceAccessActions',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
      // Public AMIs and snapshots belong to other accounts (Amazon), hence no account in their ARNs.
      resources: [
        ec2('image/*', ''),
        ec2('snapshot/*', ''),
        ec2('security-group/*'),
        ec2('subnet/*'),
        ec2('capacity-reservation/*'),
        ec2('placement-group/*'),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2LaunchTemplateAccessActions',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
      resources: [ec2('launch-template/*')],
      conditions: ownedByNodePool,
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2InstanceActionsWithTags',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
      resources: launchedResources,
      conditions: requestTagsOfLaunch,
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedResourceCreationTagging',
      actions: ['ec2:CreateTags'],
      resources: launchedResources,
      conditions: {
        ...requestTagsOfLaunch,
        StringEquals: {
          ...requestTagsOfLaunch.StringEquals,
          'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
        },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedResourceTagging',
      actions: ['ec2:CreateTags'],
      resources: [ec2('instance/*')],
      conditions: {
        ...ownedByNodePool,
        StringEqualsIfExists: { 'aws:RequestTag/eks:eks-cluster-name': clusterName },
        'ForAllValues:StringEquals': {
          'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'],
        },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedDeletion',
      actions: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
      resources: [ec2('instance/*'), ec2('launch-template/*')],
      conditions: ownedByNodePool,
    }),
    new iam.PolicyStatement({
      sid: 'AllowRegionalReadActions',
      // EC2 Describe* calls do not support resource-level permissions; limited to the stack's region.
      actions: [
        'ec2:DescribeCapacityReservations',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'ec2:DescribeInstanceStatus',
        'ec2:DescribeInstanceTypeOfferings',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplates',
        'ec2:DescribePlacementGroups',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSpotPriceHistory',
        'ec2:DescribeSubnets',
      ],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestedRegion': region } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowSSMReadActions',
      actions: ['ssm:GetParameter'],
      resources: [`arn:${partition}:ssm:${region}::parameter/aws/service/*`],
    }),
    new iam.PolicyStatement({
      sid: 'AllowPricingReadActions',
      actions: ['pricing:GetProducts'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'AllowInterruptionQueueActions',
      actions: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      resources: [scope.interruptionQueueArn],
    }),
    new iam.PolicyStatement({
      sid: 'AllowPassingInstanceRole',
      actions: ['iam:PassRole'],
      resources: [scope.nodeRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowInstanceProfileReadActions',
      actions: ['iam:GetInstanceProfile'],
      resources: [scope.instanceProfileArn],
    }),
    new iam.PolicyStatement({
      sid: 'AllowUnscopedInstanceProfileListAction',
      // The instance-profile garbage collector lists profiles; IAM List* has no resource-level scoping.
      actions: ['iam:ListInstanceProfiles'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'AllowAPIServerEndpointDiscovery',
      actions: ['eks:DescribeCluster'],
      resources: [scope.clusterArn],
    }),
    new iam.PolicyStatement({
      sid: 'AllowZonalShiftStatusReadOnly',
      actions: ['arc-zonal-shift:GetManagedResource'],
      resources: ['*'],
      conditions: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': scope.clusterArn } },
    }),
  ];
}
