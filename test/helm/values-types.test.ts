/**
 * The mapper's `ServiceChartValues` type mirrors values.yaml key for key: this literal must satisfy
 * the type (TypeScript rejects a missing or an extra key at `npm run typecheck`) and equal the parsed
 * values.yaml (jest), so a key added, renamed or removed on one side only fails one of the two.
 */
import { ServiceChartValues } from '../../lib/constructs/service-chart-values';
import { chartDefaults } from './support/chart';

/** The api's and the worker's probe timings (the same defaults). */
const PROBES: ServiceChartValues['api']['probes'] = {
  startup: {
    initialDelaySeconds: 0,
    periodSeconds: 2,
    timeoutSeconds: 2,
    failureThreshold: 30,
    successThreshold: 1,
  },
  liveness: {
    initialDelaySeconds: 0,
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold: 3,
    successThreshold: 1,
  },
  readiness: {
    initialDelaySeconds: 0,
    periodSeconds: 5,
    timeoutSeconds: 3,
    failureThreshold: 3,
    successThreshold: 1,
  },
};

const VALUES_YAML: ServiceChartValues = {
  nameOverride: '',
  fullnameOverride: '',
  commonLabels: {},
  image: {
    repository: '',
    tag: '',
    digest: '',
    pullPolicy: 'IfNotPresent',
  },
  imagePullSecrets: [],
  aws: {
    region: '',
    endpointUrl: '',
    identity: {
      mode: 'irsa',
      roleArn: '',
    },
    credentials: {
      existingSecret: '',
      keys: {
        accessKeyId: 'AWS_ACCESS_KEY_ID',
        secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
      },
    },
  },
  serviceAccount: {
    create: true,
    name: '',
    annotations: {},
  },
  config: {
    port: 8080,
    appVersion: '',
    logLevel: 'info',
    apiBaseUrl: '',
    maxConnections: 10,
    avatarMaxBytes: 5242880,
    shutdownTimeoutMs: 10000,
    usersTable: '',
    messagesTable: '',
    avatarsBucket: '',
    messagesQueueUrl: '',
    appSecretArn: '',
    redis: {
      url: '',
      host: '',
      port: 6379,
      tls: true,
      replicationGroupId: '',
      authSecretArn: '',
    },
  },
  secrets: {
    existingSecret: '',
    keys: {
      SECRET_KEY: 'secret-key',
      DB_PASSWORD: 'db-password',
    },
  },
  extraEnv: [],
  podSecurityContext: {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    fsGroup: 10001,
    seccompProfile: {
      type: 'RuntimeDefault',
    },
  },
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: {
      drop: ['ALL'],
    },
    seccompProfile: {
      type: 'RuntimeDefault',
    },
  },
  tmpVolume: {
    sizeLimit: '64Mi',
  },
  service: {
    type: 'ClusterIP',
    port: 80,
    annotations: {},
    sessionAffinity: 'None',
  },
  ingress: {
    enabled: true,
    className: 'alb',
    host: '',
    certificateArn: '',
    scheme: 'internet-facing',
    sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    groupName: '',
    loadBalancerAttributes: 'routing.http.drop_invalid_header_fields.enabled=true',
    wafAclArn: '',
    annotations: {},
  },
  api: {
    command: ['node', 'dist/server.js'],
    extraEnv: [],
    replicaCount: 2,
    resources: {
      requests: {
        cpu: '250m',
        memory: '256Mi',
      },
      limits: {
        cpu: '1',
        memory: '512Mi',
      },
    },
    autoscaling: {
      enabled: true,
      minReplicas: 2,
      maxReplicas: 6,
      targetCPUUtilizationPercentage: 70,
      targetMemoryUtilizationPercentage: 80,
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            {
              type: 'Percent',
              value: 100,
              periodSeconds: 30,
            },
            {
              type: 'Pods',
              value: 4,
              periodSeconds: 30,
            },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          selectPolicy: 'Min',
          policies: [
            {
              type: 'Percent',
              value: 50,
              periodSeconds: 60,
            },
          ],
        },
      },
    },
    podDisruptionBudget: {
      enabled: true,
      minAvailable: '',
      maxUnavailable: 1,
    },
    maxSurge: '25%',
    terminationGracePeriodSeconds: 30,
    preStopSleepSeconds: 10,
    probes: PROBES,
    topologySpread: {
      enabled: true,
      maxSkew: 1,
      zone: 'DoNotSchedule',
      node: 'ScheduleAnyway',
    },
    podAnnotations: {},
    podLabels: {},
    nodeSelector: {},
    tolerations: [],
    affinity: {},
    priorityClassName: '',
  },
  worker: {
    enabled: true,
    command: ['node', 'dist/worker.js'],
    port: 8081,
    extraEnv: [],
    replicaCount: 1,
    resources: {
      requests: {
        cpu: '100m',
        memory: '192Mi',
      },
      limits: {
        cpu: '500m',
        memory: '384Mi',
      },
    },
    autoscaling: {
      enabled: true,
      minReplicas: 1,
      maxReplicas: 4,
      targetCPUUtilizationPercentage: 70,
      targetMemoryUtilizationPercentage: 80,
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 30,
          selectPolicy: 'Max',
          policies: [
            {
              type: 'Pods',
              value: 2,
              periodSeconds: 60,
            },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          selectPolicy: 'Min',
          policies: [
            {
              type: 'Pods',
              value: 1,
              periodSeconds: 120,
            },
          ],
        },
      },
    },
    podDisruptionBudget: {
      enabled: true,
      minAvailable: '',
      maxUnavailable: 1,
    },
    maxSurge: 1,
    terminationGracePeriodSeconds: 30,
    preStopSleepSeconds: 0,
    probes: PROBES,
    topologySpread: {
      enabled: true,
      maxSkew: 1,
      zone: 'ScheduleAnyway',
      node: 'ScheduleAnyway',
    },
    podAnnotations: {},
    podLabels: {},
    nodeSelector: {},
    tolerations: [],
    affinity: {},
    priorityClassName: '',
  },
  networkPolicy: {
    enabled: true,
    ingressFrom: [],
    egress: {
      awsApiCidrs: ['0.0.0.0/0'],
      redisCidrs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
      dns: {
        namespace: 'kube-system',
        podLabels: {
          'k8s-app': 'kube-dns',
        },
      },
      extra: [],
    },
  },
  metrics: {
    serviceMonitor: {
      enabled: false,
      interval: '30s',
      scrapeTimeout: '10s',
      labels: {},
    },
    grafanaDashboard: {
      enabled: false,
      labels: {
        grafana_dashboard: '1',
      },
      annotations: {},
    },
  },
  tests: {
    enabled: true,
  },
};

describe('the ServiceChartValues type', () => {
  test('when values.yaml is parsed, then it equals a literal typed as ServiceChartValues', () => {
    expect(chartDefaults()).toEqual(VALUES_YAML);
  });
});
