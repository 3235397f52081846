import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { skipCheckov } from '../../compliance/checkov';
import { NAG_PARTITION, acknowledge, managedPolicyFinding, wildcardFinding } from '../../compliance/nag';
import { HelmAddonProps, addonOptions, addonRelease, helmAddonValues } from '../helm-addon';
import { karpenterControllerStatements } from './controller-policy';
import {
  Architecture,
  CapacityType,
  DEFAULT_NODE_POOL_NAME,
  ec2NodeClassManifest,
  nodePoolManifest,
} from './manifests';

export * from './manifests';

/** Tag key (value: the cluster name) on the subnets and security groups Karpenter's EC2NodeClass selects. */
export const KARPENTER_DISCOVERY_TAG = 'karpenter.sh/discovery';

export const DEFAULTS = {
  /** Karpenter's charts on the public ECR registry (OCI). */
  crdRepository: 'oci://public.ecr.aws/karpenter/karpenter-crd',
  repository: 'oci://public.ecr.aws/karpenter/karpenter',
  namespace: 'kube-system',
  serviceAccountName: 'karpenter',
  identityType: eks.IdentityType.IRSA,
  discoveryTagKey: KARPENTER_DISCOVERY_TAG,
} as const;

/** Defaults of the default NodePool and its EC2NodeClass. */
export const NODE_POOL_DEFAULTS = {
  amiAlias: 'al2023@latest',
  metadataHopLimit: 1 as 1 | 2,
  rootVolumeGi: 40,
  architectures: ['amd64', 'arm64'] as readonly Architecture[],
  minInstanceGenerationExclusive: 4,
  expireAfter: '720h',
  consolidateAfter: '1m',
  disruptionBudgetNodes: '10%',
  nodeTags: {} as Readonly<Record<string, string>>,
};

/** The AWS managed policies of the node role (Karpenter reference). */
export const NODE_MANAGED_POLICIES = [
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKS_CNI_Policy',
  'AmazonEC2ContainerRegistryReadOnly',
  'AmazonSSMManagedInstanceCore',
];
/** Interruption messages are only useful while the instance still exists: the reference keeps them 5 minutes. */
export const INTERRUPTION_QUEUE_RETENTION = Duration.minutes(5);

/** The default NodePool's shape. */
export interface KarpenterNodePoolProps {
  /** Sum of vCPUs of all nodes of the pool. */
  readonly cpuLimit: number;
  /** Sum of memory (GiB) of all nodes of the pool. */
  readonly memoryLimitGi: number;
  /** `karpenter.k8s.aws/instance-category` values, e.g. c, m, r. */
  readonly instanceCategories: readonly string[];
  readonly capacityTypes: readonly CapacityType[];
  /**
   * CPU architectures. Pods whose images are single-architecture must select theirs
   * (`nodeSelector: kubernetes.io/arch`), and Karpenter then launches matching nodes.
   * @default NODE_POOL_DEFAULTS.architectures (amd64 and arm64)
   */
  readonly architectures?: readonly Architecture[];
  /**
   * AMI alias of the EC2NodeClass. `@latest` rolls nodes to each new AMI through drift; pin
   * (`al2023@v20261101`) to control when that happens.
   * @default NODE_POOL_DEFAULTS.amiAlias (al2023@latest)
   */
  readonly amiAlias?: string;
  /**
   * IMDSv2 hop limit. 1 keeps pods (one network hop further than the host) from the node role's
   * credentials; pods get AWS credentials through IRSA or Pod Identity instead.
   * @default NODE_POOL_DEFAULTS.metadataHopLimit (1)
   */
  readonly metadataHopLimit?: 1 | 2;
  /**
   * Size of the encrypted gp3 root volume in GiB.
   * @default NODE_POOL_DEFAULTS.rootVolumeGi (40)
   */
  readonly rootVolumeGi?: number;
  /**
   * Tags Karpenter puts on the instances, volumes and launch templates it creates (CloudFormation tags
   * never reach them).
   * @default - none
   */
  readonly nodeTags?: Readonly<Record<string, string>>;
}

/**
 * `placement` is where the controller's pods run: never capacity Karpenter itself manages (the chart's
 * own affinity already keeps them off Karpenter's nodes).
 */
export interface KarpenterProps extends HelmAddonProps {
  /** The cluster must have an explicit `clusterName` (IAM condition keys contain it). */
  /** Karpenter v1 release, the version of both charts, e.g. `1.15.0`. */
  readonly version: string;
  readonly nodePool: KarpenterNodePoolProps;
  /**
   * How the controller gets AWS credentials.
   * @default DEFAULTS.identityType (IRSA)
   */
  readonly identityType?: eks.IdentityType;
  /**
   * Namespace of both releases and of the controller's service account.
   * @default DEFAULTS.namespace (kube-system)
   */
  readonly namespace?: string;
  /**
   * Tag key (value: the cluster name) by which the EC2NodeClass selects subnets and security groups.
   * @default DEFAULTS.discoveryTagKey (karpenter.sh/discovery)
   */
  readonly discoveryTagKey?: string;
}

/**
 * Karpenter v1 on an EKS cluster, as the upstream getting-started CloudFormation sets it up: the node
 * role with its instance profile and EC2_LINUX access entry; the SQS interruption queue fed by four
 * EventBridge rules; the controller's role (IRSA or Pod Identity) with the scoped controller policy;
 * the `karpenter-crd` chart, then the `karpenter` chart, then a default EC2NodeClass and NodePool.
 */
export class Karpenter extends Construct {
  readonly interruptionQueue: sqs.Queue;
  readonly nodeRole: iam.Role;
  readonly instanceProfile: iam.InstanceProfile;
  readonly controllerRole: iam.IRole;
  readonly crdChart: eks.HelmChart;
  readonly controllerChart: eks.HelmChart;
  /** The default EC2NodeClass and NodePool, applied after the controller. */
  readonly defaultNodePool: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: KarpenterProps) {
    super(scope, id);
    const options = addonOptions(DEFAULTS, props);
    const { cluster, version, namespace, identityType } = options;
    const stack = Stack.of(this);
    const clusterName = literalClusterName(cluster);

    this.interruptionQueue = new sqs.Queue(this, 'InterruptionQueue', {
      retentionPeriod: INTERRUPTION_QUEUE_RETENTION,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    acknowledge(
      this.interruptionQueue,
      'Interruption events are actionable only for minutes: the queue keeps them 5 minutes and has no ' +
        'dead-letter queue, as in the Karpenter reference; a DLQ would only collect stale notices.',
      'AwsSolutions-SQS3',
    );
    skipCheckov(
      this.interruptionQueue,
      'AWS::SQS::Queue',
      'Encrypted at rest with SSE-SQS (SqsManagedSseEnabled), which Checkov does not count. EventBridge cannot ' +
        'send to a queue under aws/sqs, and a customer-managed key would need grants for EventBridge and the ' +
        'controller for AWS notices that hold no customer data and live 5 minutes.',
      'CKV_AWS_27',
    );
    const interruptionEvents: Record<string, events.EventPattern> = {
      ScheduledChangeRule: { source: ['aws.health'], detailType: ['AWS Health Event'] },
      SpotInterruptionRule: { source: ['aws.ec2'], detailType: ['EC2 Spot Instance Interruption Warning'] },
      RebalanceRule: { source: ['aws.ec2'], detailType: ['EC2 Instance Rebalance Recommendation'] },
      InstanceStateChangeRule: {
        source: ['aws.ec2'],
        detailType: ['EC2 Instance State-change Notification'],
      },
    };
    for (const [ruleId, eventPattern] of Object.entries(interruptionEvents)) {
      new events.Rule(this, ruleId, {
        description: `Karpenter interruption handling of ${clusterName}: ${eventPattern.detailType}`,
        eventPattern,
        targets: [new targets.SqsQueue(this.interruptionQueue)],
      });
    }

    this.nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Nodes Karpenter launches for ${clusterName}`,
      managedPolicies: NODE_MANAGED_POLICIES.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
    });
    acknowledge(
      this.nodeRole,
      'Karpenter nodes need the AWS managed node policies (kubelet, VPC CNI, ECR pulls, SSM Session Manager ' +
        'instead of SSH), exactly as in the Karpenter reference; AWS keeps them current with EKS.',
      ...NODE_MANAGED_POLICIES.map(managedPolicyFinding),
    );
    this.instanceProfile = new iam.InstanceProfile(this, 'NodeInstanceProfile', { role: this.nodeRole });
    const nodeAccess = new eks.AccessEntry(this, 'NodeAccessEntry', {
      cluster,
      principal: this.nodeRole.roleArn,
      accessEntryType: eks.AccessEntryType.EC2_LINUX,
      accessPolicies: [],
    });

    const serviceAccount = new eks.ServiceAccount(this, 'ControllerServiceAccount', {
      cluster,
      name: options.serviceAccountName,
      namespace,
      identityType,
    });
    const policyScope = {
      clusterName,
      clusterArn: cluster.clusterArn,
      region: stack.region,
      account: stack.account,
      interruptionQueueArn: this.interruptionQueue.queueArn,
      nodeRoleArn: this.nodeRole.roleArn,
      instanceProfileArn: this.instanceProfile.instanceProfileArn,
    };
    for (const statement of karpenterControllerStatements(policyScope)) {
      serviceAccount.addToPrincipalPolicy(statement);
    }
    this.controllerRole = serviceAccount.role;
    const wildcards = karpenterControllerStatements(policyScope, NAG_PARTITION)
      .flatMap((statement) => statement.resources)
      .filter((resource) => resource.includes('*'));
    acknowledge(
      serviceAccount,
      'The Karpenter v1 reference controller policy: instance, fleet, volume, ENI and launch-template ARNs ' +
        'must be wildcards because Karpenter creates them, and every write on them is conditioned on the ' +
        'cluster-owned and nodepool tags; AMIs, snapshots, subnets and security groups are chosen at launch; ' +
        'EC2 Describe*, pricing:GetProducts and iam:ListInstanceProfiles support no resource-level scoping ' +
        '(Describe* is limited to the region); SSM reads only the public /aws/service/ AMI parameters.',
      ...[...new Set(wildcards)].map(wildcardFinding),
    );

    this.crdChart = addonRelease(this, 'CrdChart', options, {
      chart: 'karpenter-crd',
      repository: options.crdRepository,
      version,
      release: 'karpenter-crd',
      namespace,
    });
    this.controllerChart = addonRelease(this, 'ControllerChart', options, {
      chart: 'karpenter',
      repository: options.repository,
      version,
      release: 'karpenter',
      namespace,
      // The CRDs belong to the karpenter-crd release, which upgrades them (Helm never upgrades crds/).
      skipCrds: true,
      values: helmAddonValues(
        {
          settings: { clusterName, interruptionQueue: this.interruptionQueue.queueName },
          serviceAccount: { create: false, name: serviceAccount.serviceAccountName },
        },
        options,
      ),
    });
    this.controllerChart.node.addDependency(this.crdChart, serviceAccount);
    if (identityType === eks.IdentityType.POD_IDENTITY && cluster.eksPodIdentityAgent) {
      this.controllerChart.node.addDependency(cluster.eksPodIdentityAgent);
    }

    const pool = addonOptions(NODE_POOL_DEFAULTS, props.nodePool);
    const nodeClass = ec2NodeClassManifest({
      name: DEFAULT_NODE_POOL_NAME,
      discoveryTagKey: options.discoveryTagKey,
      discoveryTagValue: clusterName,
      instanceProfile: this.instanceProfile.instanceProfileName,
      amiAlias: pool.amiAlias,
      rootVolumeGi: pool.rootVolumeGi,
      metadataHopLimit: pool.metadataHopLimit,
      tags: pool.nodeTags,
    });
    const nodePool = nodePoolManifest({
      name: DEFAULT_NODE_POOL_NAME,
      nodeClassName: nodeClass.metadata.name,
      instanceCategories: pool.instanceCategories,
      capacityTypes: pool.capacityTypes,
      architectures: pool.architectures,
      minInstanceGenerationExclusive: pool.minInstanceGenerationExclusive,
      cpuLimit: pool.cpuLimit,
      memoryLimitGi: pool.memoryLimitGi,
      expireAfter: pool.expireAfter,
      consolidateAfter: pool.consolidateAfter,
      disruptionBudgetNodes: pool.disruptionBudgetNodes,
    });
    this.defaultNodePool = new eks.KubernetesManifest(this, 'DefaultNodePool', {
      cluster,
      manifest: [nodeClass, nodePool],
      overwrite: true,
    });
    // Applied once the CRDs and the controller exist; deleted first, while the controller can still
    // drain and terminate the nodes it launched.
    this.defaultNodePool.node.addDependency(this.controllerChart, nodeAccess);
  }
}

/** The literal name of the cluster (from its CfnCluster), or a synth error if it has none. */
function literalClusterName(cluster: eks.Cluster): string {
  const name = (cluster.node.defaultChild as eks.CfnCluster).name;
  if (name === undefined || Token.isUnresolved(name)) {
    throw new Error(
      `Karpenter needs a cluster created with an explicit clusterName (${cluster.node.path}): ` +
        'its IAM conditions name the cluster in tag keys, which cannot contain tokens.',
    );
  }
  return name;
}
