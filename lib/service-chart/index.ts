/**
 * The one typed mapper from the CDK service stack to the Helm chart `helm/eks-service`.
 *
 * `ServiceChartValues` is generated from the chart's `values.schema.json` (the authority; see
 * `codegen.ts`); `test/helm/values-mapper.test.ts` proves the mapper's output validates against the
 * schema and renders. `serviceChartValues()` turns what the stacks know (resource names, ARNs, the
 * image, the domain) into the values the stack hands to the Helm release. The local
 * cluster's values come from the same function (`local/k8s/chart-values.ts`: static keys from a
 * Kubernetes Secret, an emulator endpoint, no Ingress), so the options it needs are optional here and
 * absent from what the stack passes.
 *
 * Values may hold CDK tokens (unresolved strings) at synth time, so nothing here checks a string's
 * format; it only checks presence and combinations. The chart's schema checks formats at deploy time,
 * once CloudFormation has resolved the tokens.
 */

import type { ServiceChartValues } from './values.generated';

export type { EnvVar, ServiceChartValues } from './values.generated';

/**
 * How the pods get AWS credentials: IRSA (service account annotation), EKS Pod Identity (an
 * association), or `static`: an access key pair from an existing Kubernetes Secret (clusters outside
 * AWS: on-premises, a local cluster against an emulator).
 */
export type IdentityMode = ServiceChartValues['aws']['identity']['mode'];

/** The log levels the service accepts (`LOG_LEVEL`). */
export type LogLevel = ServiceChartValues['config']['logLevel'];

type AwsValues = ServiceChartValues['aws'];
type RedisValues = ServiceChartValues['config']['redis'];
type IngressValues = ServiceChartValues['ingress'];
/** The part of a Deployment's values the mapper sets (the api's and the worker's have the same shape). */
type WorkloadValues = Pick<ServiceChartValues['api'], 'replicaCount' | 'autoscaling'>;

/** Any subset of the values, nested: what Helm merges over the chart's defaults. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { -readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export type ServiceChartValueOverrides = DeepPartial<ServiceChartValues>;

/** Where the Redis (ElastiCache) endpoint comes from: exactly one of `replicationGroupId`, `host` or `url`. */
export interface ServiceChartRedisInput {
  /** The app resolves the primary endpoint through the ElastiCache API at start-up. */
  readonly replicationGroupId?: string;
  readonly host?: string;
  /** @default 6379 (the chart's default) */
  readonly port?: number | string;
  /** `redis://` or `rediss://`; must not carry a password. */
  readonly url?: string;
  /** @default true */
  readonly tls?: boolean;
  /** Secrets Manager secret with the AUTH token; the app reads it itself (no secret value in the chart). */
  readonly authSecretArn?: string;
}

/** A replica range for one Deployment's HorizontalPodAutoscaler. */
export interface ReplicaBounds {
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/** The pods' AWS identity: an IAM role (IRSA or Pod Identity), or static keys from a Kubernetes Secret. */
export type ServiceChartIdentityInput =
  | { readonly mode: 'irsa' | 'pod-identity'; readonly roleArn: string }
  | {
      readonly mode: 'static';
      /** Existing Kubernetes Secret with the access key pair (`aws.credentials.existingSecret`). */
      readonly credentialsSecret: string;
      /** @default the chart's keys (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`) */
      readonly keys?: { readonly accessKeyId: string; readonly secretAccessKey: string };
    };

/** What the CDK service stack knows, as plain strings or tokens. */
export interface ServiceChartValuesInput {
  readonly image: { readonly repository: string; readonly tag: string };
  readonly identity: ServiceChartIdentityInput;
  /** Fixed so that a Pod Identity association (namespace + name) can be created before the release. */
  readonly serviceAccountName: string;
  readonly region: string;
  /** `AWS_ENDPOINT_URL` of an AWS emulator; never set on AWS. @default none */
  readonly endpointUrl?: string;
  readonly usersTableName: string;
  readonly messagesTableName: string;
  readonly avatarsBucketName: string;
  readonly messagesQueueUrl: string;
  readonly redis: ServiceChartRedisInput;
  /**
   * The app secret (Secrets Manager, JSON with `SECRET_KEY`): the api reads it at start-up through
   * `APP_SECRET_ARN`, so no secret value passes through the chart. @default none
   */
  readonly appSecretArn?: string;
  /**
   * An existing Kubernetes Secret holding SECRET_KEY (and optionally DB_PASSWORD) under the chart's
   * `secrets.keys`; its variables win over `appSecretArn`. @default none
   */
  readonly existingAppSecret?: string;
  /** @default the image tag */
  readonly appVersion?: string;
  /** @default 'info' (the chart's default) */
  readonly logLevel?: LogLevel;
  /**
   * The service's public host name (Ingress rule and external-dns). Together with `certificateArn`;
   * without both, no Ingress is rendered (`ingress.enabled: false`). @default no Ingress
   */
  readonly hostName?: string;
  /** ACM certificate for `hostName`. @default no Ingress */
  readonly certificateArn?: string;
  /** WAFv2 web ACL of the ALB (`ingress.wafAclArn`); needs the Ingress. @default none */
  readonly wafAclArn?: string;
  /** @default the chart's defaults (api 2–6) */
  readonly apiReplicas?: ReplicaBounds;
  /** @default the chart's defaults (worker 1–4) */
  readonly workerReplicas?: ReplicaBounds;
  /** VPC CIDR: narrows the NetworkPolicy's Redis (and OTLP) egress to it. @default the chart's private ranges */
  readonly vpcCidr?: string;
  /**
   * The dead-letter queue's URL (`config.messagesDeadLetterQueueUrl`): the worker reports its depth as
   * `dead_letter_queue_messages` (its role needs `sqs:GetQueueAttributes` on it). @default not reported
   */
  readonly deadLetterQueueUrl?: string;
  /**
   * OTLP/HTTP endpoint of the trace collector: turns tracing on (`tracing.enabled`,
   * `tracing.otlpEndpoint`). @default tracing off (no SDK starts in the pods)
   */
  readonly tracingEndpoint?: string;
  /**
   * A Prometheus Operator stack watches the release: the ServiceMonitor, the PodMonitor, the
   * PrometheusRule and the Grafana dashboard ConfigMap are rendered. @default false (none of them)
   */
  readonly monitoring?: boolean;
  /**
   * Raw values merged last (objects deep-merged, arrays and scalars replaced), e.g. a stage's
   * `service.chartValues`.
   * @default {}
   */
  readonly overrides?: ServiceChartValueOverrides | Readonly<Record<string, unknown>>;
}

type Json = { [key: string]: unknown };

const isPlainObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Helm's merge: objects deep-merged, everything else (arrays included) replaced by the override. */
export function mergeValues<T extends object>(base: T, override: object | undefined): T {
  if (!override) return base;
  const out: Json = { ...(base as Json) };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
  }
  return out as T;
}

function redisValues(redis: ServiceChartRedisInput): DeepPartial<RedisValues> {
  const sources = (['replicationGroupId', 'host', 'url'] as const).filter((k) => redis[k] !== undefined);
  if (sources.length !== 1) {
    throw new Error(
      `serviceChartValues: redis needs exactly one of replicationGroupId, host or url (got ${sources.length ? sources.join(', ') : 'none'})`,
    );
  }
  const values: DeepPartial<RedisValues> = {
    ...(redis.replicationGroupId !== undefined && { replicationGroupId: redis.replicationGroupId }),
    ...(redis.host !== undefined && { host: redis.host }),
    ...(redis.port !== undefined && { port: redis.port }),
    ...(redis.url !== undefined && { url: redis.url }),
    ...(redis.tls !== undefined && { tls: redis.tls }),
    ...(redis.authSecretArn !== undefined && { authSecretArn: redis.authSecretArn }),
  };
  return values;
}

function identityValues(identity: ServiceChartIdentityInput): DeepPartial<AwsValues> {
  switch (identity.mode) {
    case 'irsa':
      return { identity: { mode: 'irsa', roleArn: identity.roleArn } };
    case 'pod-identity':
      return { identity: { mode: 'pod-identity' } };
    case 'static':
      if (identity.credentialsSecret === '') {
        throw new Error(
          'serviceChartValues: identity mode static needs credentialsSecret (a Kubernetes Secret name)',
        );
      }
      return {
        identity: { mode: 'static' },
        credentials: {
          existingSecret: identity.credentialsSecret,
          ...(identity.keys && { keys: { ...identity.keys } }),
        },
      };
  }
}

function ingressValues(
  hostName: string | undefined,
  certificateArn: string | undefined,
  wafAclArn: string | undefined,
): DeepPartial<IngressValues> {
  if (hostName === undefined && certificateArn === undefined) {
    if (wafAclArn !== undefined) {
      throw new Error('serviceChartValues: wafAclArn needs the Ingress (hostName and certificateArn)');
    }
    return { enabled: false };
  }
  if (hostName === undefined || certificateArn === undefined) {
    throw new Error(
      `serviceChartValues: hostName and certificateArn go together (got only ${hostName === undefined ? 'certificateArn' : 'hostName'})`,
    );
  }
  return { enabled: true, host: hostName, certificateArn, ...(wafAclArn !== undefined && { wafAclArn }) };
}

function replicaValues(bounds: ReplicaBounds | undefined): DeepPartial<WorkloadValues> | undefined {
  if (!bounds) return undefined;
  // Plain numbers only: a token number would be a huge negative value, not a range to check.
  if (bounds.minReplicas > bounds.maxReplicas) {
    throw new Error(
      `serviceChartValues: minReplicas (${bounds.minReplicas}) must not exceed maxReplicas (${bounds.maxReplicas})`,
    );
  }
  return {
    replicaCount: bounds.minReplicas,
    autoscaling: { minReplicas: bounds.minReplicas, maxReplicas: bounds.maxReplicas },
  };
}

/**
 * The chart values for one release: only what the stacks compute; everything else stays at the
 * chart's defaults (a value has one home). `overrides` are merged last.
 */
export function serviceChartValues(input: ServiceChartValuesInput): ServiceChartValueOverrides {
  const computed: ServiceChartValueOverrides = {
    image: { repository: input.image.repository, tag: input.image.tag },
    aws: {
      region: input.region,
      ...(input.endpointUrl !== undefined && { endpointUrl: input.endpointUrl }),
      ...identityValues(input.identity),
    },
    serviceAccount: { create: true, name: input.serviceAccountName },
    config: {
      appVersion: input.appVersion ?? input.image.tag,
      ...(input.logLevel !== undefined && { logLevel: input.logLevel }),
      usersTable: input.usersTableName,
      messagesTable: input.messagesTableName,
      avatarsBucket: input.avatarsBucketName,
      messagesQueueUrl: input.messagesQueueUrl,
      ...(input.appSecretArn !== undefined && { appSecretArn: input.appSecretArn }),
      ...(input.deadLetterQueueUrl !== undefined && { messagesDeadLetterQueueUrl: input.deadLetterQueueUrl }),
      redis: redisValues(input.redis),
    },
    ...(input.existingAppSecret !== undefined && { secrets: { existingSecret: input.existingAppSecret } }),
    ingress: ingressValues(input.hostName, input.certificateArn, input.wafAclArn),
    ...(input.apiReplicas && { api: replicaValues(input.apiReplicas) }),
    ...(input.workerReplicas && { worker: replicaValues(input.workerReplicas) }),
    ...(input.vpcCidr !== undefined && {
      networkPolicy: {
        egress: {
          redisCidrs: [input.vpcCidr],
          ...(input.tracingEndpoint !== undefined && { otlpCidrs: [input.vpcCidr] }),
        },
      },
    }),
    ...(input.tracingEndpoint !== undefined && {
      tracing: { enabled: true, otlpEndpoint: input.tracingEndpoint },
    }),
    ...(input.monitoring && {
      metrics: {
        serviceMonitor: { enabled: true },
        prometheusRule: { enabled: true },
        grafanaDashboard: { enabled: true },
      },
    }),
  };
  return mergeValues(computed, input.overrides);
}
