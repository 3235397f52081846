/**
 * The values of helm/eks-service, generated from its values.schema.json by json-schema-to-typescript.
 * Do not edit: change the schema, then run `npx tsx lib/service-chart/codegen.ts`.
 */

export type EnvVars = EnvVar[];

/**
 * Values of helm/eks-service; each key is documented in values.yaml.
 */
export interface ServiceChartValues {
  /**
   * Helm's global values (for use as a subchart).
   */
  global?: {
    [k: string]: unknown;
  };
  nameOverride: string;
  fullnameOverride: string;
  commonLabels: {
    [k: string]: string;
  };
  image: {
    /**
     * Container image repository (required).
     */
    repository: string;
    tag: string;
    digest: string;
    pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  };
  imagePullSecrets: {
    name: string;
  }[];
  aws: {
    /**
     * AWS region (required).
     */
    region: string;
    endpointUrl: string;
    identity: {
      mode: 'irsa' | 'pod-identity' | 'static';
      roleArn: string;
    };
    credentials: {
      /**
       * Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: required in static mode, rejected in the others.
       */
      existingSecret: string;
      keys: {
        accessKeyId: string;
        secretAccessKey: string;
      };
    };
  };
  serviceAccount: {
    create: boolean;
    name: string;
    annotations: {
      [k: string]: string;
    };
  };
  config: {
    port: number;
    appVersion: string;
    logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
    apiBaseUrl: string;
    maxConnections: number;
    avatarMaxBytes: number;
    shutdownTimeoutMs: number;
    /**
     * DynamoDB users table (required).
     */
    usersTable: string;
    /**
     * DynamoDB messages table (required).
     */
    messagesTable: string;
    /**
     * S3 avatars bucket (required).
     */
    avatarsBucket: string;
    /**
     * SQS queue URL (required).
     */
    messagesQueueUrl: string;
    /**
     * MESSAGES_DLQ_URL of the worker: the dead-letter queue whose depth it reports; empty: none.
     */
    messagesDeadLetterQueueUrl: string;
    /**
     * APP_SECRET_ARN: Secrets Manager secret with SECRET_KEY (and DB_PASSWORD), read by the api.
     */
    appSecretArn: string;
    redis: {
      /**
       * No credentials in the URL: the AUTH token comes from authSecretArn.
       */
      url: string;
      host: string;
      port: number | string;
      tls: boolean;
      replicationGroupId: string;
      authSecretArn: string;
    };
  };
  secrets: {
    existingSecret: string;
    keys: {
      SECRET_KEY: string;
      DB_PASSWORD: string;
    };
  };
  extraEnv: EnvVars;
  /**
   * Pod Security Standards 'restricted': non-root.
   */
  podSecurityContext: {
    runAsNonRoot: true;
    runAsUser?: number;
    [k: string]: unknown;
  };
  /**
   * Pod Security Standards 'restricted': no escalation, all capabilities dropped.
   */
  securityContext: {
    runAsNonRoot: true;
    runAsUser?: number;
    allowPrivilegeEscalation: false;
    privileged?: false;
    capabilities: {
      drop: unknown[];
      [k: string]: unknown;
    };
    [k: string]: unknown;
  };
  tmpVolume: {
    sizeLimit: string;
  };
  service: {
    type: 'ClusterIP' | 'NodePort';
    port: number;
    annotations: {
      [k: string]: string;
    };
    sessionAffinity: 'None' | 'ClientIP';
  };
  ingress: {
    enabled: boolean;
    className: string;
    host: string;
    certificateArn: string;
    scheme: 'internet-facing' | 'internal';
    sslPolicy: string;
    groupName: string;
    loadBalancerAttributes: string;
    wafAclArn: string;
    annotations: {
      [k: string]: string;
    };
  };
  api: {
    /**
     * @minItems 1
     */
    command: [string, ...string[]];
    extraEnv: EnvVars;
    replicaCount: number;
    resources: {
      requests?: {
        [k: string]: string | number;
      };
      limits?: {
        [k: string]: string | number;
      };
    };
    autoscaling: {
      enabled: boolean;
      minReplicas: number;
      maxReplicas: number;
      targetCPUUtilizationPercentage: number;
      targetMemoryUtilizationPercentage: number;
      /**
       * HPA spec.behavior (autoscaling/v2)
       */
      behavior: {
        [k: string]: unknown;
      };
    };
    podDisruptionBudget: {
      enabled: boolean;
      minAvailable: number | string;
      maxUnavailable: number | string;
    };
    maxSurge: number | string;
    terminationGracePeriodSeconds: number;
    preStopSleepSeconds: number;
    topologySpread: {
      enabled: boolean;
      maxSkew: number;
      zone: 'DoNotSchedule' | 'ScheduleAnyway';
      node: 'DoNotSchedule' | 'ScheduleAnyway';
    };
    podAnnotations: {
      [k: string]: string;
    };
    podLabels: {
      [k: string]: string;
    };
    nodeSelector: {
      [k: string]: string;
    };
    tolerations: {
      [k: string]: unknown;
    }[];
    affinity: {
      [k: string]: unknown;
    };
    priorityClassName: string;
    probes: {
      startup: {
        initialDelaySeconds: number;
        periodSeconds: number;
        timeoutSeconds: number;
        failureThreshold: number;
        successThreshold: 1;
      };
      liveness: {
        initialDelaySeconds: number;
        periodSeconds: number;
        timeoutSeconds: number;
        failureThreshold: number;
        successThreshold: 1;
      };
      readiness: {
        initialDelaySeconds: number;
        periodSeconds: number;
        timeoutSeconds: number;
        failureThreshold: number;
        successThreshold: number;
      };
    };
  };
  worker: {
    /**
     * @minItems 1
     */
    command: [string, ...string[]];
    port: number;
    extraEnv: EnvVars;
    replicaCount: number;
    resources: {
      requests?: {
        [k: string]: string | number;
      };
      limits?: {
        [k: string]: string | number;
      };
    };
    autoscaling: {
      enabled: boolean;
      minReplicas: number;
      maxReplicas: number;
      targetCPUUtilizationPercentage: number;
      targetMemoryUtilizationPercentage: number;
      /**
       * HPA spec.behavior (autoscaling/v2)
       */
      behavior: {
        [k: string]: unknown;
      };
    };
    podDisruptionBudget: {
      enabled: boolean;
      minAvailable: number | string;
      maxUnavailable: number | string;
    };
    maxSurge: number | string;
    terminationGracePeriodSeconds: number;
    preStopSleepSeconds: number;
    topologySpread: {
      enabled: boolean;
      maxSkew: number;
      zone: 'DoNotSchedule' | 'ScheduleAnyway';
      node: 'DoNotSchedule' | 'ScheduleAnyway';
    };
    podAnnotations: {
      [k: string]: string;
    };
    podLabels: {
      [k: string]: string;
    };
    nodeSelector: {
      [k: string]: string;
    };
    tolerations: {
      [k: string]: unknown;
    }[];
    affinity: {
      [k: string]: unknown;
    };
    priorityClassName: string;
    enabled: boolean;
    probes: {
      startup: {
        initialDelaySeconds: number;
        periodSeconds: number;
        timeoutSeconds: number;
        failureThreshold: number;
        successThreshold: 1;
      };
      liveness: {
        initialDelaySeconds: number;
        periodSeconds: number;
        timeoutSeconds: number;
        failureThreshold: number;
        successThreshold: 1;
      };
      readiness: {
        initialDelaySeconds: number;
        periodSeconds: number;
        timeoutSeconds: number;
        failureThreshold: number;
        successThreshold: number;
      };
    };
  };
  networkPolicy: {
    enabled: boolean;
    ingressFrom: {
      [k: string]: unknown;
    }[];
    egress: {
      awsApiCidrs: string[];
      redisCidrs: string[];
      dns: {
        namespace: string;
        podLabels: {
          [k: string]: string;
        };
      };
      otlpCidrs: string[];
      extra: {
        [k: string]: unknown;
      }[];
    };
  };
  metrics: {
    serviceMonitor: {
      enabled: boolean;
      interval: string;
      scrapeTimeout: string;
      labels: {
        [k: string]: string;
      };
    };
    grafanaDashboard: {
      enabled: boolean;
      labels: {
        [k: string]: string;
      };
      annotations: {
        [k: string]: string;
      };
    };
    prometheusRule: {
      enabled: boolean;
      labels: {
        [k: string]: string;
      };
      alertLabels: {
        [k: string]: string;
      };
      rateWindow: string;
      apiErrorRatio: {
        threshold: number;
        for: string;
        severity: string;
      };
      apiLatencyP99: {
        thresholdSeconds: number;
        for: string;
        severity: string;
      };
      readinessFlapping: {
        changes: number;
        window: string;
        severity: string;
      };
      workerFailureRatio: {
        threshold: number;
        for: string;
        severity: string;
      };
      deadLetterQueue: {
        threshold: number;
        for: string;
        severity: string;
      };
      redisUnavailable: {
        for: string;
        severity: string;
      };
      redisErrors: {
        thresholdPerSecond: number;
        for: string;
        severity: string;
      };
    };
  };
  tracing: {
    enabled: boolean;
    /**
     * OTLP/HTTP endpoint of the collector; required when tracing is enabled.
     */
    otlpEndpoint: string;
  };
  tests: {
    enabled: boolean;
  };
}
/**
 * A Kubernetes EnvVar: name with value or valueFrom. PORT is the chart's (config.port, worker.port); a secret's name only by valueFrom.
 */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    [k: string]: unknown;
  };
}
