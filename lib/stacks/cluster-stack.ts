import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { CfnCondition, CfnElement, DefaultStackSynthesizer, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as cxapi from 'aws-cdk-lib/cx-api';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

import { LoadBalancerController } from '../addons/alb-controller';
import { ExternalDns } from '../addons/external-dns';
import { PodPlacement } from '../addons/helm-addon';
import { KARPENTER_DISCOVERY_TAG, Karpenter } from '../addons/karpenter';
import { MetricsServer } from '../addons/metrics-server';
import { Monitoring } from '../addons/monitoring';
import { TracingCollector } from '../addons/tracing-collector';
import { CFN_UTILS_PROVIDER_ID, skipCdkHandlerChecks } from '../compliance/checkov';
import { NAG_PARTITION, acknowledge, managedPolicyFinding, wildcardFinding } from '../compliance/nag';
import { clusterName } from '../config/naming';
import type { StageConfig } from '../config/schema';
import { KUBECTL_LAYER_MINOR, KubernetesMinor } from '../config/versions';
import { StageStack, StageStackProps } from './stage-stack';

const KUBERNETES_VERSIONS: Record<KubernetesMinor, eks.KubernetesVersion> = {
  '1.34': eks.KubernetesVersion.V1_34,
  '1.35': eks.KubernetesVersion.V1_35,
  '1.36': eks.KubernetesVersion.V1_36,
};

const ENDPOINT_ACCESS: Record<StageConfig['cluster']['endpointAccess'], eks.EndpointAccess> = {
  public: eks.EndpointAccess.PUBLIC,
  private: eks.EndpointAccess.PRIVATE,
  'public-and-private': eks.EndpointAccess.PUBLIC_AND_PRIVATE,
};

/**
 * The system node group carries this label and taint: only pods that tolerate it (controllers, CoreDNS,
 * DaemonSets) run there, and everything else goes to nodes Karpenter launches.
 */
export const SYSTEM_NODE_LABEL = { key: 'node-purpose', value: 'system' } as const;
export const SYSTEM_NODE_TAINT = { key: 'CriticalAddonsOnly', value: 'true' } as const;
export const SYSTEM_PLACEMENT: PodPlacement = {
  nodeSelector: { [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value },
  tolerations: [{ key: SYSTEM_NODE_TAINT.key, operator: 'Exists', effect: 'NoSchedule' }],
};

export interface ClusterStackProps extends StageStackProps {
  /** The VPC; nodes go to its private subnets (PRIVATE_WITH_EGRESS). */
  readonly vpc: ec2.IVpc;
  /** The stage's hosted zone, the only one external-dns may change. */
  readonly hostedZone: route53.IHostedZone;
}

/**
 * EKS (aws-eks-v2, managed node groups rather than Auto Mode) with KMS-encrypted secrets, all
 * control-plane logs, API access entries, a tainted system node group, Karpenter, the AWS Load Balancer
 * Controller, external-dns, metrics-server and the Pod Identity agent.
 */
export class ClusterStack extends StageStack {
  readonly cluster: eks.Cluster;
  /** The ALB controller and external-dns: a release with an Ingress depends on this. */
  readonly controllers: Construct;
  readonly karpenter: Karpenter;
  /** kube-prometheus-stack, when `monitoring.enabled`. */
  readonly monitoring?: Monitoring;
  /** The in-cluster OTLP/HTTP endpoint of the trace collector, when `monitoring.tracing`. */
  readonly tracingEndpoint?: string;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, 'cluster', props);
    // A native AWS::IAM::OIDCProvider instead of the older custom resource (a Lambda) behind IRSA.
    this.node.setContext(cxapi.EKS_USE_NATIVE_OIDC_PROVIDER, true);
    const { config } = this;
    const settings = config.cluster;
    const name = clusterName(config);
    const identityType =
      config.identityMode === 'pod-identity' ? eks.IdentityType.POD_IDENTITY : eks.IdentityType.IRSA;

    const secretsKey = new kms.Key(this, 'SecretsKey', {
      description: `Envelope encryption of Kubernetes secrets of ${name}`,
      enableKeyRotation: true,
      // Without the cluster the key protects nothing; deletion waits the maximum 30-day window.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName: name,
      version: kubernetesVersion(settings.kubernetesVersion),
      kubectlProviderOptions: { kubectlLayer: new KubectlV35Layer(this, 'KubectlLayer') },
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      vpc: props.vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      endpointAccess: ENDPOINT_ACCESS[settings.endpointAccess],
      secretsEncryptionKey: secretsKey,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      // Admins come from access entries; the CloudFormation role that creates the cluster gets none.
      bootstrapClusterCreatorAdminPermissions: false,
    });
    if (settings.adminPrincipalArn) {
      this.cluster.grantClusterAdmin('AdminAccess', settings.adminPrincipalArn);
    }
    // Installed in both identity modes, so switching a service to Pod Identity needs no cluster change.
    const podIdentityAgent = this.cluster.eksPodIdentityAgent;

    const system = settings.systemNodeGroup;
    const systemNodes = this.cluster.addNodegroupCapacity('System', {
      instanceTypes: system.instanceTypes.map((t) => new ec2.InstanceType(t)),
      amiType: al2023AmiType(system.instanceTypes),
      minSize: system.minSize,
      maxSize: system.maxSize,
      desiredSize: system.desiredSize,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      labels: { [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value },
      taints: [{ ...SYSTEM_NODE_TAINT, effect: eks.TaintEffect.NO_SCHEDULE }],
    });
    const discoveryTags = tagClusterSecurityGroup(this, this.cluster, { [KARPENTER_DISCOVERY_TAG]: name });

    this.karpenter = new Karpenter(this, 'Karpenter', {
      cluster: this.cluster,
      version: settings.karpenter.version,
      identityType,
      placement: SYSTEM_PLACEMENT,
      nodePool: {
        ...settings.karpenter,
        nodeTags: { Application: config.appName, Environment: config.stage, ...config.tags },
      },
    });

    this.karpenter.defaultNodePool.node.addDependency(discoveryTags);

    this.controllers = new Construct(this, 'Controllers');
    const loadBalancerController = new LoadBalancerController(this.controllers, 'LoadBalancerController', {
      cluster: this.cluster,
      version: settings.albControllerVersion,
      placement: SYSTEM_PLACEMENT,
    });
    const externalDns = new ExternalDns(this.controllers, 'ExternalDns', {
      cluster: this.cluster,
      chartVersion: settings.externalDnsChartVersion,
      hostedZone: props.hostedZone,
      txtOwnerId: name,
      identityType,
      placement: SYSTEM_PLACEMENT,
    });
    // Teardown: external-dns goes last of the two, so the records of an Ingress removed just before
    // (with its ALB, by the load balancer controller) are deleted while external-dns still runs.
    loadBalancerController.node.addDependency(externalDns);
    const metricsServer = new MetricsServer(this, 'MetricsServer', {
      cluster: this.cluster,
      chartVersion: settings.metricsServerChartVersion,
      placement: SYSTEM_PLACEMENT,
    });
    // Releases that wait for their pods need the system nodes (and, with Pod Identity, the agent).
    const runtime = podIdentityAgent ? [systemNodes, podIdentityAgent] : [systemNodes];
    for (const release of [this.karpenter.controllerChart, this.controllers, metricsServer]) {
      release.node.addDependency(...runtime);
    }

    if (config.monitoring.enabled) {
      const settings = config.monitoring;
      // On nodes Karpenter launches: created after the NodePool, and removed before it on teardown.
      this.monitoring = new Monitoring(this, 'Monitoring', {
        cluster: this.cluster,
        chartVersion: settings.kubePrometheusStackChartVersion,
        crdChartVersion: settings.prometheusOperatorCrdsChartVersion,
        remoteWrite: settings.remoteWrite,
        retention: settings.retention,
      });
      this.monitoring.node.addDependency(this.karpenter.defaultNodePool);
      if (settings.tracing) {
        const collector = new TracingCollector(this, 'TracingCollector', {
          cluster: this.cluster,
          chartVersion: settings.otelCollectorChartVersion,
          namespace: this.monitoring.namespace,
          identityType,
        });
        collector.node.addDependency(this.monitoring);
        this.tracingEndpoint = collector.endpoint;
      }
    }

    acknowledgeNagFindings(this.cluster, systemNodes);
    skipCheckovFindings(this.cluster);
  }
}

/** The kubectl layer package the provider runs; its name carries the kubectl 1.x minor (v35 → 1.35). */
const KUBECTL_LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';

/**
 * The aws-eks-v2 version for the configured minor (the schema checked its skew to KUBECTL_LAYER_MINOR),
 * after checking that KUBECTL_LAYER_MINOR is the minor of the layer package actually used.
 */
export function kubernetesVersion(
  minor: KubernetesMinor,
  layerPackage = KUBECTL_LAYER_PACKAGE,
): eks.KubernetesVersion {
  const layerMinor = /-v(\d+)$/.exec(layerPackage);
  const installed = layerMinor ? `1.${layerMinor[1]}` : layerPackage;
  if (installed !== KUBECTL_LAYER_MINOR) {
    throw new Error(
      `cluster.kubernetesVersion: the kubectl layer is ${layerPackage} (kubectl ${installed}) but ` +
        `KUBECTL_LAYER_MINOR in lib/config/versions.ts says ${KUBECTL_LAYER_MINOR}; make them agree`,
    );
  }
  return KUBERNETES_VERSIONS[minor];
}

/** The AL2023 AMI type for the instance types, which must share one architecture. */
function al2023AmiType(instanceTypes: readonly string[]): eks.NodegroupAmiType {
  const architectures = new Set(instanceTypes.map((t) => new ec2.InstanceType(t).architecture));
  if (architectures.size !== 1) {
    throw new Error(
      `cluster.systemNodeGroup.instanceTypes: ${instanceTypes.join(', ')} mix CPU architectures; use one`,
    );
  }
  return architectures.has(ec2.InstanceArchitecture.ARM_64)
    ? eks.NodegroupAmiType.AL2023_ARM_64_STANDARD
    : eks.NodegroupAmiType.AL2023_X86_64_STANDARD;
}

/**
 * Tags the security group EKS creates for the cluster (CloudFormation cannot tag it), so that Karpenter's
 * EC2NodeClass finds it by its discovery tag; the tags are removed again on delete.
 */
function tagClusterSecurityGroup(
  scope: Construct,
  cluster: eks.Cluster,
  tags: Record<string, string>,
): cr.AwsCustomResource {
  const sgId = cluster.clusterSecurityGroupId;
  const sgArn = cluster.stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: sgId });
  const call = (action: 'createTags' | 'deleteTags'): cr.AwsSdkCall => ({
    service: 'EC2',
    action,
    parameters: { Resources: [sgId], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
    physicalResourceId: cr.PhysicalResourceId.of(`${sgId}-discovery-tags`),
  });
  return new cr.AwsCustomResource(scope, 'ClusterSecurityGroupTags', {
    onCreate: call('createTags'),
    onUpdate: call('createTags'),
    onDelete: call('deleteTags'),
    policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [sgArn] }),
    installLatestAwsSdk: false,
  });
}

/** Context key of a custom bootstrap qualifier (`cdk bootstrap --qualifier`). */
const BOOTSTRAP_QUALIFIER_CONTEXT = '@aws-cdk/core:bootstrapQualifier';

/** Construct id of the AwsCustomResource singleton function (custom-resources' fixed UUID). */
const AWS_CUSTOM_RESOURCE_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * cdk-nag AwsSolutions findings on resources aws-eks-v2 and custom-resources create for the cluster, each
 * with its reason (Karpenter and the controllers acknowledge their own).
 */
function acknowledgeNagFindings(cluster: eks.Cluster, systemNodes: eks.Nodegroup): void {
  const stack = cluster.stack;
  acknowledge(
    cluster.role,
    'The EKS service role needs AmazonEKSClusterPolicy, which AWS maintains as EKS adds calls (aws-eks-v2 default).',
    managedPolicyFinding('AmazonEKSClusterPolicy'),
  );
  acknowledge(
    cluster,
    "EncryptionConfig.Resources: ['secrets'] is what aws-eks-v2 writes and the only value EKS accepts; the " +
      'CloudFormation schema merely marks the property deprecated.',
    'CloudFormation-Validate::W9009',
  );
  acknowledge(
    systemNodes.role,
    'Managed node group nodes need the AWS managed node policies (kubelet, VPC CNI, ECR pulls); aws-eks-v2 default.',
    managedPolicyFinding('AmazonEKSWorkerNodePolicy'),
    managedPolicyFinding('AmazonEKS_CNI_Policy'),
    managedPolicyFinding('AmazonEC2ContainerRegistryReadOnly'),
  );

  const kubectl = cluster.node.findChild('KubectlProvider');
  const handler = kubectl.node.findChild('Handler');
  const ecrPublic = stack.getLogicalId(handler.node.findChild('HasEcrPublic') as CfnCondition);
  const ecrPublicPolicy = {
    'Fn::If': [
      ecrPublic,
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly',
          ],
        ],
      },
      { Ref: 'AWS::NoValue' },
    ],
  };
  acknowledge(
    kubectl,
    'The kubectl/Helm provider of aws-eks-v2 runs in the VPC (AWSLambdaVPCAccessExecutionRole), writes its logs ' +
      '(AWSLambdaBasicExecutionRole) and pulls OCI charts from private and public ECR (read-only policies).',
    managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole'),
    managedPolicyFinding('service-role/AWSLambdaVPCAccessExecutionRole'),
    managedPolicyFinding('AmazonEC2ContainerRegistryReadOnly'),
    `AwsSolutions-IAM4[Policy::${JSON.stringify(ecrPublicPolicy)}]`,
  );
  acknowledge(
    kubectl,
    'The provider framework may invoke every version of its own handler function (<arn>:*), nothing else.',
    wildcardFinding(`<${stack.getLogicalId(handler.node.defaultChild as CfnElement)}.Arn>:*`),
  );
  const assetsBucket = DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace(
    '${Qualifier}',
    stack.node.tryGetContext(BOOTSTRAP_QUALIFIER_CONTEXT) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER,
  )
    .replace('${AWS::AccountId}', stack.account)
    .replace('${AWS::Region}', stack.region);
  acknowledge(
    kubectl,
    'A HelmChart with a chartAsset (the service chart, installed through this provider) grants the provider ' +
      "Bucket.grantRead on the CDK bootstrap assets bucket; it reads the chart's zip and nothing else lives there " +
      "but this app's deployment assets.",
    'AwsSolutions-IAM5[Action::s3:GetBucket*]',
    'AwsSolutions-IAM5[Action::s3:GetObject*]',
    'AwsSolutions-IAM5[Action::s3:List*]',
    wildcardFinding(`arn:${NAG_PARTITION}:s3:::${assetsBucket}/*`),
  );
  acknowledge(
    kubectl,
    'aws-eks-v2 picks the handler runtime (the newest Python it knows) for the kubectl layer it bundles.',
    'AwsSolutions-L1',
  );
  // AwsCustomResource runs on one singleton function per stack, created at the stack's root.
  acknowledge(
    stack.node.findChild(AWS_CUSTOM_RESOURCE_SINGLETON_ID),
    'The custom-resources singleton only writes its logs with this policy; its calls are limited to ' +
      'ec2:CreateTags/DeleteTags on the cluster security group.',
    managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole'),
  );
}

/** Checkov findings on the Lambda handlers aws-eks-v2 and custom-resources create for the cluster. */
function skipCheckovFindings(cluster: eks.Cluster): void {
  const stack = cluster.stack;
  skipCdkHandlerChecks(cluster.node.findChild('KubectlProvider'), {
    handler: 'The kubectl/Helm provider of aws-eks-v2',
    environment: 'AWS_STS_REGIONAL_ENDPOINTS and the ARN of the handler the provider framework calls',
  });
  skipCdkHandlerChecks(stack.node.findChild(AWS_CUSTOM_RESOURCE_SINGLETON_ID), {
    handler: 'The custom-resources singleton (the cluster security group tags)',
    outsideVpcBecause:
      'calls only ec2:CreateTags/DeleteTags through the public EC2 endpoint; it reaches nothing in the VPC.',
  });
  const cfnUtils = stack.node.tryFindChild(CFN_UTILS_PROVIDER_ID);
  if (cfnUtils) {
    skipCdkHandlerChecks(cfnUtils, {
      handler: "CDK's CfnJson handler (IRSA trust conditions)",
      outsideVpcBecause: 'turns a JSON value into a CloudFormation attribute and calls no API at all.',
    });
  }
}
