/**
 * The configuration of one stage, parsed by zod at synth time. Each stage has one file next to this
 * one (`local.ts`, `dev.ts`, `staging.ts`, `prod.ts`) holding a plain object that `loadStageConfig`
 * parses; a bad value stops synth with an error naming the key path (e.g. `cluster.karpenter.cpuLimit`).
 */
import { z } from 'zod';

import { DEFAULT_HELM_TIMEOUT_MINUTES, HELM_PROVIDER_LIMIT_MINUTES } from '../addons/helm-addon';
import type { ServiceChartValues } from '../service-chart/values.generated';
import { local } from './local';
import { dev } from './dev';
import { staging } from './staging';
import { prod } from './prod';
import {
  COMPONENT_VERSIONS,
  DEFAULT_KUBERNETES_VERSION,
  KUBERNETES_VERSIONS,
  versionIssues,
} from './versions';

export const STAGES = ['local', 'dev', 'staging', 'prod'] as const;
export type StageName = (typeof STAGES)[number];

/** The levels a stage may log at: the chart's `config.logLevel` values (its schema is their home) but `silent`. */
export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
] as const satisfies readonly Exclude<ServiceChartValues['config']['logLevel'], 'silent'>[];

const dnsLabel = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const hostName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const semver = /^\d+\.\d+\.\d+$/;

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

const systemNodeGroupSchema = z
  .object({
    /** EC2 instance types of the managed node group that hosts the system pods (Karpenter, controllers). */
    instanceTypes: z
      .array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, 'expected an instance type like m7g.large'))
      .min(1),
    minSize: nonNegativeInt,
    maxSize: positiveInt,
    desiredSize: nonNegativeInt,
  })
  .refine((g) => g.minSize <= g.desiredSize && g.desiredSize <= g.maxSize, {
    message: 'expected minSize <= desiredSize <= maxSize',
    path: ['desiredSize'],
  });

const karpenterSchema = z.object({
  /** Karpenter v1 release (charts karpenter-crd and karpenter share it), pinned, without the leading `v`. */
  version: z
    .string()
    .regex(/^1\.\d+\.\d+$/, 'expected a Karpenter v1 release like 1.15.0')
    .default(COMPONENT_VERSIONS.karpenter),
  /** NodePool limit on the sum of CPUs of the nodes Karpenter launches. */
  cpuLimit: positiveInt,
  /** NodePool limit on the sum of memory (GiB) of the nodes Karpenter launches. */
  memoryLimitGi: positiveInt,
  /** `karpenter.k8s.aws/instance-category` values the default NodePool may use (c, m, r, ...). */
  instanceCategories: z.array(z.string().regex(/^[a-z]$/, 'expected a one-letter instance category')).min(1),
  capacityTypes: z.array(z.enum(['spot', 'on-demand'])).min(1),
});

const clusterSchema = z.object({
  kubernetesVersion: z.enum(KUBERNETES_VERSIONS).default(DEFAULT_KUBERNETES_VERSION),
  endpointAccess: z.enum(['public', 'private', 'public-and-private']),
  /** IAM principal (role or user ARN) given cluster-admin through an EKS access entry. */
  adminPrincipalArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, 'expected an IAM role or user ARN')
    .optional(),
  systemNodeGroup: systemNodeGroupSchema,
  karpenter: karpenterSchema,
  /** AWS Load Balancer Controller version, e.g. v2.14.1 (aws-eks-v2 AlbControllerVersion). */
  albControllerVersion: z
    .string()
    .regex(/^v\d+\.\d+\.\d+$/, 'expected a version like v2.14.1')
    .default(COMPONENT_VERSIONS.albController),
  externalDnsChartVersion: z
    .string()
    .regex(semver, 'expected a chart version like 1.19.0')
    .default(COMPONENT_VERSIONS.externalDnsChart),
  metricsServerChartVersion: z
    .string()
    .regex(semver, 'expected a chart version like 3.13.0')
    .default(COMPONENT_VERSIONS.metricsServerChart),
});

const chartVersion = z.string().regex(semver, 'expected a chart version like 1.2.3');

const monitoringSchema = z.object({
  /** kube-prometheus-stack on the cluster (Prometheus, Alertmanager, Grafana), scraping every release's monitors. */
  enabled: z.boolean().default(true),
  /** Remote-write to an Amazon Managed Service for Prometheus workspace of the stage. */
  remoteWrite: z.boolean().default(false),
  /** An OpenTelemetry collector exporting to AWS X-Ray; the service's pods send their traces to it. */
  tracing: z.boolean().default(false),
  /** Local retention of Prometheus, e.g. 24h or 7d. */
  retention: z
    .string()
    .regex(/^\d+[hdw]$/, 'expected a duration like 24h or 7d')
    .default('24h'),
  kubePrometheusStackChartVersion: chartVersion.default(COMPONENT_VERSIONS.kubePrometheusStackChart),
  prometheusOperatorCrdsChartVersion: chartVersion.default(COMPONENT_VERSIONS.prometheusOperatorCrdsChart),
  otelCollectorChartVersion: chartVersion.default(COMPONENT_VERSIONS.otelCollectorChart),
});

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const networkSchema = z.object({
  /** NAT gateways: 1 is cheap (dev), one per AZ survives the loss of a zone (prod). */
  natGateways: z.number().int().min(1).max(3),
  /** Interface VPC endpoints by service name suffix (`ecr.api` → com.amazonaws.<region>.ecr.api). */
  interfaceEndpoints: z.array(
    z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/, 'expected a service like ecr.api'),
  ),
  flowLogRetentionDays: positiveInt.refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
    message: `expected one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
  }),
  cidr: z
    .string()
    .regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-4])$/, 'expected an IPv4 CIDR between /16 and /24'),
});

const cacheSchema = z.object({
  engine: z.enum(['valkey', 'redis']).default('valkey'),
  engineVersion: z
    .string()
    .regex(/^\d+(\.\d+)*$/, 'expected an engine version like 8.1')
    .default(COMPONENT_VERSIONS.cacheEngine),
  nodeType: z.string().regex(/^cache\.[a-z0-9-]+\.[a-z0-9]+$/, 'expected a node type like cache.t4g.micro'),
  /** Replicas of the single shard; > 0 turns on automatic failover and Multi-AZ. */
  replicasPerShard: z.number().int().min(0).max(5),
  /** Days of automatic snapshots (0 disables them). */
  snapshotRetentionDays: z.number().int().min(0).max(35).default(0),
});

const dataSchema = z.object({
  removalPolicy: z.enum(['destroy', 'retain']),
  deletionProtection: z.boolean(),
  pointInTimeRecovery: z.boolean(),
  /** Days after which non-current avatar object versions are deleted. */
  noncurrentVersionExpirationDays: positiveInt.default(30),
});

const serviceSchema = z
  .object({
    /**
     * Release label of the image. The pushed tag is the asset's content hash (so a changed `service/`
     * always deploys a new image); changing imageTag forces a rebuild and a new tag without a code change.
     */
    imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'expected a Docker tag'),
    appVersion: z.string().min(1),
    logLevel: z.enum(LOG_LEVELS),
    minReplicas: positiveInt,
    maxReplicas: positiveInt,
    /** Kubernetes namespace of the release (created by it); the service account lives there too. */
    namespace: z.string().regex(dnsLabel, 'expected a lowercase DNS label').max(63).default('eks-service'),
    /** The release's service account, bound to the app's IAM role (IRSA or Pod Identity). */
    serviceAccountName: z
      .string()
      .regex(dnsLabel, 'expected a lowercase DNS label')
      .max(63)
      .default('eks-service'),
    /** Helm's wait timeout; the kubectl provider's Lambda stops at 15 minutes. */
    helmTimeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(
        HELM_PROVIDER_LIMIT_MINUTES - 1,
        `must be below the kubectl provider's ${HELM_PROVIDER_LIMIT_MINUTES}-minute limit`,
      )
      .default(DEFAULT_HELM_TIMEOUT_MINUTES),
    /** Raw Helm values merged last over the computed ones (deep merge, objects only). */
    chartValues: z.record(z.string(), z.unknown()).default({}),
  })
  .refine((s) => s.minReplicas <= s.maxReplicas, {
    message: 'expected minReplicas <= maxReplicas',
    path: ['maxReplicas'],
  });

/** What a WAF rule does with a match: `block` enforces, `count` only counts and labels (a new stage's first weeks). */
export const WAF_ACTIONS = ['block', 'count'] as const;
/** Rate-based rule windows WAF accepts, in seconds. */
export const WAF_RATE_WINDOWS_SECONDS = [60, 120, 300, 600] as const;

const wafManagedRuleGroupSchema = (defaultCountRules: string[] = []) =>
  z.object({
    enabled: z.boolean().default(true),
    /** `block`: the group's own rule actions apply; `count`: every match is only counted. @default waf.mode */
    action: z.enum(WAF_ACTIONS).optional(),
    /** Rules of the group overridden to count (false positives for this service), by rule name. */
    countRules: z
      .array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a managed rule name like SizeRestrictions_BODY'))
      .default(defaultCountRules),
  });

const wafSchema = z.object({
  /** A web ACL in front of the ALB (associated through the Ingress). */
  enabled: z.boolean().default(true),
  /** The action of every rule that does not set its own: `count` for a stage that is new to the WAF. */
  mode: z.enum(WAF_ACTIONS).default('block'),
  /**
   * AWSManagedRulesCommonRuleSet. SizeRestrictions_BODY counts by default: it blocks bodies over 8 KB,
   * and avatar uploads (`POST /users`, up to config.avatarMaxBytes) are larger; the service limits bodies itself.
   */
  commonRuleSet: wafManagedRuleGroupSchema(['SizeRestrictions_BODY']).prefault({}),
  /** AWSManagedRulesKnownBadInputsRuleSet (Log4j, Java deserialization, invalid hosts, ...). */
  knownBadInputs: wafManagedRuleGroupSchema().prefault({}),
  /** AWSManagedRulesAmazonIpReputationList (addresses from Amazon threat intelligence). */
  ipReputation: wafManagedRuleGroupSchema().prefault({}),
  /** A rate-based rule per client IP (the ALB is the edge, so the source address is the client's). */
  rateLimit: z
    .object({
      enabled: z.boolean().default(true),
      /** @default waf.mode */
      action: z.enum(WAF_ACTIONS).optional(),
      /** Requests per client IP within the window before the rule acts (WAF's minimum is 10). */
      limit: z.number().int().min(10).max(2_000_000_000).default(2000),
      windowSeconds: z
        .literal(WAF_RATE_WINDOWS_SECONDS, {
          error: `expected one of ${WAF_RATE_WINDOWS_SECONDS.join(', ')}`,
        })
        .default(300),
    })
    .prefault({}),
  /** Retention of the `aws-waf-logs-<appName>-<stage>` log group. */
  logRetentionDays: positiveInt
    .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
      message: `expected one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(90),
});

/**
 * Default thresholds of the stage's CloudWatch alarms (lib/stacks/alarms-stack.ts; docs/OPERATIONS.md
 * says why each is what it is). A stage overrides one under `alarms.thresholds`.
 */
export const ALARM_THRESHOLD_DEFAULTS = {
  /** Messages visible on the dead-letter queue: any message there is one the worker gave up on. */
  deadLetterQueueMessages: 0,
  /** Age of the oldest message on the messages queue, seconds (redelivery takes at most 5 × 30 s). */
  queueOldestMessageAgeSeconds: 300,
  /** Read plus write throttle events of one table in 5 minutes (on-demand tables should see none). */
  tableThrottleEvents: 0,
  /** DynamoDB system errors (HTTP 500s) of one table in 5 minutes. */
  tableSystemErrors: 0,
  /** EngineCPUUtilization of a cache node (the Valkey/Redis main thread), percent, 15 minutes. */
  cacheEngineCpuPercent: 90,
  /** CPUUtilization of a cache node's host (TLS, replication, snapshots), percent, 15 minutes. */
  cacheHostCpuPercent: 90,
  /** DatabaseMemoryUsagePercentage of a cache node (of maxmemory), percent, 15 minutes. */
  cacheMemoryPercent: 80,
  /** Keys evicted by a cache node in 5 minutes. */
  cacheEvictions: 0,
  /** Connections a NAT gateway could not open for lack of source ports, in 5 minutes. */
  natPortAllocationErrors: 0,
  /** Packets a NAT gateway dropped, percent of the packets it received, 15 minutes. */
  natPacketDropPercent: 0.01,
} as const;

const nonNegative = z.number().nonnegative();
const percent = z.number().positive().max(100);

const alarmsSchema = z.object({
  /** Addresses subscribed to the stage's alarm topic by email (each confirms once, from the email AWS sends). */
  emails: z.array(z.email('expected an email address')).default([]),
  thresholds: z
    .object({
      deadLetterQueueMessages: nonNegativeInt.default(ALARM_THRESHOLD_DEFAULTS.deadLetterQueueMessages),
      queueOldestMessageAgeSeconds: positiveInt.default(
        ALARM_THRESHOLD_DEFAULTS.queueOldestMessageAgeSeconds,
      ),
      tableThrottleEvents: nonNegativeInt.default(ALARM_THRESHOLD_DEFAULTS.tableThrottleEvents),
      tableSystemErrors: nonNegativeInt.default(ALARM_THRESHOLD_DEFAULTS.tableSystemErrors),
      cacheEngineCpuPercent: percent.default(ALARM_THRESHOLD_DEFAULTS.cacheEngineCpuPercent),
      cacheHostCpuPercent: percent.default(ALARM_THRESHOLD_DEFAULTS.cacheHostCpuPercent),
      cacheMemoryPercent: percent.default(ALARM_THRESHOLD_DEFAULTS.cacheMemoryPercent),
      cacheEvictions: nonNegativeInt.default(ALARM_THRESHOLD_DEFAULTS.cacheEvictions),
      natPortAllocationErrors: nonNegativeInt.default(ALARM_THRESHOLD_DEFAULTS.natPortAllocationErrors),
      natPacketDropPercent: nonNegative.max(100).default(ALARM_THRESHOLD_DEFAULTS.natPacketDropPercent),
    })
    .strict()
    .prefault({}),
});

export const stageConfigSchema = z
  .object({
    appName: z.string().max(20).regex(dnsLabel, 'expected a lowercase DNS label (a-z, 0-9, -)'),
    stage: z.enum(STAGES),
    env: z.object({
      account: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'),
      region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region like eu-west-1'),
    }),
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'expected a zone like eu-west-1a'))
      .min(2)
      .max(3),
    dns: z.object({
      /** The service's host name (the certificate and the Ingress use it), e.g. api.dev.example.com. */
      domainName: z.string().regex(hostName, 'expected a lowercase host name'),
      hostedZoneId: z
        .string()
        .regex(/^Z[A-Z0-9]{1,31}$/, 'expected a Route 53 hosted zone id like Z0123456789ABC'),
      hostedZoneName: z.string().regex(hostName, 'expected a lowercase zone name without trailing dot'),
    }),
    identityMode: z.enum(['irsa', 'pod-identity']).default('irsa'),
    cluster: clusterSchema,
    network: networkSchema,
    cache: cacheSchema,
    data: dataSchema,
    service: serviceSchema,
    /** Prometheus, Grafana and (optionally) trace collection on the cluster. */
    monitoring: monitoringSchema.prefault({}),
    /** The WAFv2 web ACL of the ALB (AWS managed rules, a rate limit per client IP, logging). */
    waf: wafSchema.prefault({}),
    /** CloudWatch alarms of the AWS stages and the SNS topic they notify (the local stage has none). */
    alarms: alarmsSchema.prefault({}),
    /** Extra tags for every resource (Application and Environment are always set). */
    tags: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((c, ctx) => {
    c.availabilityZones.forEach((az, i) => {
      if (!az.startsWith(c.env.region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['availabilityZones', i],
          message: `zone ${az} is not in region ${c.env.region}`,
        });
      }
    });
    if (new Set(c.availabilityZones).size !== c.availabilityZones.length) {
      ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: 'zones must be distinct' });
    }
    const { domainName, hostedZoneName } = c.dns;
    if (domainName !== hostedZoneName && !domainName.endsWith(`.${hostedZoneName}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['dns', 'domainName'],
        message: `${domainName} is not in zone ${hostedZoneName}`,
      });
    }
    if (c.network.natGateways > c.availabilityZones.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'natGateways'],
        message: 'more NAT gateways than availability zones',
      });
    }
    if (!c.monitoring.enabled && (c.monitoring.remoteWrite || c.monitoring.tracing)) {
      ctx.addIssue({
        code: 'custom',
        path: ['monitoring', 'enabled'],
        message: 'remoteWrite and tracing need monitoring.enabled (they live in its namespace)',
      });
    }
    for (const issue of versionIssues(c.cluster)) {
      ctx.addIssue({ code: 'custom', path: issue.path.split('.'), message: issue.message });
    }
  });

/** A parsed, validated stage configuration (defaults applied). */
export type StageConfig = z.infer<typeof stageConfigSchema>;
/** What a stage file writes (fields with defaults may be left out). */
export type StageConfigInput = z.input<typeof stageConfigSchema>;

/** Thrown when a stage configuration does not parse; the message names every bad key path. */
export class StageConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(
      `Invalid stage configuration ${source}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    );
    this.name = 'StageConfigError';
  }
}

/** Parses any value as a stage configuration, or throws a StageConfigError naming the bad keys. */
export function parseStageConfig(raw: unknown, source = 'config'): StageConfig {
  const result = stageConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new StageConfigError(
      source,
      result.error.issues.map((issue) => ({
        path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)',
        message: issue.message,
      })),
    );
  }
  return result.data;
}

const STAGE_FILES: Record<StageName, StageConfigInput> = { local, dev, staging, prod };

/** Loads and parses `lib/config/<name>.ts`; throws naming `stage` for an unknown name or the bad key paths. */
export function loadStageConfig(name: string): StageConfig {
  if (!(STAGES as readonly string[]).includes(name)) {
    throw new StageConfigError(`'${name}'`, [
      { path: 'stage', message: `unknown stage, expected one of ${STAGES.join(', ')}` },
    ]);
  }
  const config = parseStageConfig(STAGE_FILES[name as StageName], `lib/config/${name}.ts`);
  if (config.stage !== name) {
    throw new StageConfigError(`lib/config/${name}.ts`, [
      { path: 'stage', message: `file of stage ${name} says ${config.stage}` },
    ]);
  }
  return config;
}
