import * as fs from 'node:fs';
import * as path from 'node:path';

import { CfnJson, CfnOutput, Duration, IgnoreMode, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { ReplicatedCacheEndpoint } from '../constructs/cache';
import { CFN_UTILS_PROVIDER_ID, skipCdkHandlerChecks } from '../compliance/checkov';
import { mergeValues, serviceChartValues } from '../service-chart';
import { StageStack, StageStackProps } from './stage-stack';
import { AVATARS_PREFIX } from './data-stack';

/** Repository root: the image's build context (service/Dockerfile copies the workspace lock file). */
const REPO_ROOT = path.join(__dirname, '..', '..');
const DOCKERFILE = 'service/Dockerfile';
/** The allow-list docker uses for service/Dockerfile; the asset honours the same one. */
const DOCKER_IGNORE_FILE = path.join(REPO_ROOT, 'service', 'Dockerfile.dockerignore');
const CHART_DIR = path.join(REPO_ROOT, 'helm', 'eks-service');
export const RELEASE_NAME = 'eks-service';
/** The image is built for x86_64; the pods ask Karpenter for matching nodes. */
const IMAGE_ARCH = 'amd64';

/** The data stack's resources the service uses. */
export interface ServiceDataProps {
  readonly usersTable: dynamodb.ITable;
  readonly messagesTable: dynamodb.ITable;
  readonly avatarsBucket: s3.IBucket;
  readonly messagesQueue: sqs.IQueue;
  /** The worker reports its depth (`dead_letter_queue_messages`). */
  readonly messagesDeadLetterQueue: sqs.IQueue;
  readonly appSecret: secretsmanager.ISecret;
}

export interface ServiceStackProps extends StageStackProps {
  /** The EKS cluster (aws-eks-v2) the release goes to. */
  readonly cluster: eks.ICluster;
  /** The AWS Load Balancer Controller and external-dns: the release (an Ingress) waits for them. */
  readonly controllers: Construct;
  readonly data: ServiceDataProps;
  readonly cache: ReplicatedCacheEndpoint;
  /** ACM certificate of `config.dns.domainName`, used by the ALB. */
  readonly certificate: acm.ICertificate;
  /** ARN of the WAFv2 web ACL the ALB controller associates with the ALB (the Ingress annotation). @default none */
  readonly webAclArn?: string;
  /**
   * kube-prometheus-stack (its CRDs): the release's ServiceMonitor, PodMonitor and PrometheusRule need
   * them, so the release waits for it (and is removed before it). @default no monitoring
   */
  readonly monitoring?: Construct;
  /** The in-cluster OTLP endpoint of the trace collector; the pods export traces to it. @default no tracing */
  readonly tracingEndpoint?: string;
}

/**
 * The service on the cluster: its image (a Docker image asset built from `service/`), the app's IAM role
 * bound to its Kubernetes service account (IRSA or Pod Identity) with least-privilege grants, and the
 * Helm release of `helm/eks-service` (a chart asset) with values computed from the other stacks.
 */
export class ServiceStack extends StageStack {
  readonly image: DockerImageAsset;
  readonly appRole: iam.Role;
  readonly release: eks.HelmChart;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, 'service', props);
    const { config } = this;
    const { service } = config;

    this.image = new DockerImageAsset(this, 'Image', {
      directory: REPO_ROOT,
      file: DOCKERFILE,
      // BuildKit's allow-list for this Dockerfile, plus the Dockerfile itself (docker reads it from the context).
      exclude: [...readDockerIgnore(DOCKER_IGNORE_FILE), `!${DOCKERFILE}`],
      ignoreMode: IgnoreMode.DOCKER,
      platform: Platform.LINUX_AMD64,
      extraHash: service.imageTag,
    });

    this.appRole = this.createAppRole(props.cluster);
    // A named export of the bucket ARN, so the one wildcard grant below can be acknowledged by its exact resource.
    const bucket = props.data.avatarsBucket;
    const bucketArnExport = `${Stack.of(bucket).stackName}-AvatarsBucketArn`;
    const avatarsBucketArn = Stack.of(bucket).exportValue(bucket.bucketArn, { name: bucketArnExport });
    grantAppAccess(this.appRole, { ...props.data, avatarsBucketArn }, props.cache);
    Validations.of(this.appRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArnExport}/${AVATARS_PREFIX}*]`,
      reason: `Avatar objects are created at run time as ${AVATARS_PREFIX}<user id>/<file>; the grant covers that prefix of the one bucket and nothing else.`,
    });

    const chartAsset = new Asset(this, 'Chart', { path: CHART_DIR });
    const values = serviceChartValues({
      image: { repository: this.image.repository.repositoryUri, tag: this.image.imageTag },
      identity: { mode: config.identityMode, roleArn: this.appRole.roleArn },
      serviceAccountName: service.serviceAccountName,
      region: this.region,
      usersTableName: props.data.usersTable.tableName,
      messagesTableName: props.data.messagesTable.tableName,
      avatarsBucketName: props.data.avatarsBucket.bucketName,
      messagesQueueUrl: props.data.messagesQueue.queueUrl,
      deadLetterQueueUrl: props.data.messagesDeadLetterQueue.queueUrl,
      // ServiceMonitor, PodMonitor and PrometheusRule, for the cluster's kube-prometheus-stack.
      monitoring: props.monitoring !== undefined,
      ...(props.tracingEndpoint !== undefined && { tracingEndpoint: props.tracingEndpoint }),
      appSecretArn: props.data.appSecret.secretArn,
      redis: {
        host: props.cache.primaryEndpointAddress,
        port: props.cache.primaryEndpointPort,
        tls: true,
        authSecretArn: props.cache.authTokenSecret.secretArn,
      },
      appVersion: service.appVersion,
      logLevel: service.logLevel,
      hostName: config.dns.domainName,
      certificateArn: props.certificate.certificateArn,
      ...(props.webAclArn !== undefined && { wafAclArn: props.webAclArn }),
      apiReplicas: { minReplicas: service.minReplicas, maxReplicas: service.maxReplicas },
      vpcCidr: config.network.cidr,
      overrides: mergeValues(
        {
          api: { nodeSelector: { 'kubernetes.io/arch': IMAGE_ARCH } },
          worker: { nodeSelector: { 'kubernetes.io/arch': IMAGE_ARCH } },
        },
        service.chartValues,
      ),
    });

    this.release = new eks.HelmChart(this, 'Release', {
      cluster: props.cluster,
      chartAsset,
      release: RELEASE_NAME,
      namespace: service.namespace,
      createNamespace: true,
      values,
      wait: true,
      atomic: true,
      timeout: Duration.minutes(service.helmTimeoutMinutes),
    });
    // The chart's Ingress needs the ALB controller's webhook and external-dns to be running.
    this.release.node.addDependency(props.controllers);
    if (props.monitoring) this.release.node.addDependency(props.monitoring);

    if (config.identityMode === 'pod-identity') {
      const association = new eks.CfnPodIdentityAssociation(this, 'PodIdentity', {
        clusterName: props.cluster.clusterName,
        namespace: service.namespace,
        serviceAccount: service.serviceAccountName,
        roleArn: this.appRole.roleArn,
      });
      // Pods started by the release must find their association in place.
      this.release.node.addDependency(association);
    }

    const cfnUtils = this.node.tryFindChild(CFN_UTILS_PROVIDER_ID);
    if (cfnUtils) {
      skipCdkHandlerChecks(cfnUtils, {
        handler: "CDK's CfnJson handler (the app role's IRSA trust conditions)",
        outsideVpcBecause: 'turns a JSON value into a CloudFormation attribute and calls no API at all.',
      });
    }

    new CfnOutput(this, 'AppRoleArn', { value: this.appRole.roleArn });
    new CfnOutput(this, 'ImageUri', { value: this.image.imageUri });
    new CfnOutput(this, 'ServiceUrl', { value: `https://${config.dns.domainName}/` });
  }

  /** The role the service account assumes: through the cluster's OIDC provider (IRSA) or EKS Pod Identity. */
  private createAppRole(cluster: eks.ICluster): iam.Role {
    const { service, identityMode } = this.config;
    if (identityMode === 'pod-identity') {
      return new iam.Role(this, 'AppRole', {
        description: `${service.namespace}/${service.serviceAccountName} through EKS Pod Identity`,
        assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com').withSessionTags(),
      });
    }
    const provider = cluster.openIdConnectProvider;
    // The issuer is only known at deploy time, and condition keys cannot be tokens: CfnJson resolves them.
    const conditions = new CfnJson(this, 'IrsaConditions', {
      value: {
        [`${provider.openIdConnectProviderIssuer}:sub`]: `system:serviceaccount:${service.namespace}:${service.serviceAccountName}`,
        [`${provider.openIdConnectProviderIssuer}:aud`]: 'sts.amazonaws.com',
      },
    });
    return new iam.Role(this, 'AppRole', {
      description: `${service.namespace}/${service.serviceAccountName} through IRSA`,
      assumedBy: new iam.OpenIdConnectPrincipal(provider, { StringEquals: conditions }),
    });
  }
}

/**
 * Exactly what the service calls (see service/src): users (transactional put/delete with conditions,
 * get, scan, describe for readiness), messages (conditional put, get, describe), avatar objects under
 * the prefix, the queue (send, receive, delete, change visibility, attributes), the dead-letter queue's
 * attributes (the worker's depth gauge), its two secrets and the
 * replication group's description.
 */
function grantAppAccess(
  role: iam.Role,
  data: ServiceDataProps & { readonly avatarsBucketArn: string },
  cache: ReplicatedCacheEndpoint,
): void {
  const statements = [
    {
      sid: 'UsersTable',
      actions: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:Scan',
        'dynamodb:DescribeTable',
      ],
      resources: [data.usersTable.tableArn],
    },
    {
      sid: 'MessagesTable',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DescribeTable'],
      resources: [data.messagesTable.tableArn],
    },
    {
      sid: 'AvatarObjects',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [`${data.avatarsBucketArn}/${AVATARS_PREFIX}*`],
    },
    {
      sid: 'AvatarsBucket',
      actions: ['s3:ListBucket'],
      resources: [data.avatarsBucketArn],
      // HeadBucket (readiness) carries no prefix; listing is only allowed under the avatar prefix.
      conditions: { StringLikeIfExists: { 's3:prefix': [`${AVATARS_PREFIX}*`] } },
    },
    {
      sid: 'MessagesQueue',
      actions: [
        'sqs:SendMessage',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
      ],
      resources: [data.messagesQueue.queueArn],
    },
    {
      sid: 'DeadLetterQueueDepth',
      actions: ['sqs:GetQueueAttributes'],
      resources: [data.messagesDeadLetterQueue.queueArn],
    },
    {
      sid: 'Secrets',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [data.appSecret.secretArn, cache.authTokenSecret.secretArn],
    },
    {
      sid: 'CacheEndpoint',
      actions: ['elasticache:DescribeReplicationGroups'],
      resources: [cache.replicationGroupArn],
    },
  ];
  for (const statement of statements) role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
}

/** The patterns of a .dockerignore file (comments and blank lines dropped). */
export function readDockerIgnore(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
