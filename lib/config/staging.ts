import type { StageConfigInput } from './schema';

/**
 * staging: production's shape at a smaller size: three zones, a NAT gateway per zone, a cache replica
 * with automatic failover, retained data. Replace the account, the zone id and the domain with yours.
 */
export const staging: StageConfigInput = {
  appName: 'eksref',
  stage: 'staging',
  env: { account: '222222222222', region: 'eu-west-1' },
  availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  dns: {
    domainName: 'api.staging.example.com',
    hostedZoneId: 'Z0STAGINGEXAMPLE00001',
    hostedZoneName: 'staging.example.com',
  },
  identityMode: 'pod-identity',
  cluster: {
    endpointAccess: 'public-and-private',
    systemNodeGroup: { instanceTypes: ['m7i.large'], minSize: 2, maxSize: 4, desiredSize: 2 },
    karpenter: {
      cpuLimit: 64,
      memoryLimitGi: 256,
      instanceCategories: ['c', 'm', 'r'],
      capacityTypes: ['spot', 'on-demand'],
    },
  },
  network: {
    natGateways: 3,
    interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'sts', 'logs', 'secretsmanager'],
    flowLogRetentionDays: 90,
    cidr: '10.20.0.0/16',
  },
  cache: {
    nodeType: 'cache.t4g.small',
    replicasPerShard: 1,
    snapshotRetentionDays: 1,
  },
  data: { removalPolicy: 'retain', deletionProtection: true, pointInTimeRecovery: true },
  // The alarm topic's subscribers (each confirms the subscription email once); replace with yours.
  alarms: { emails: ['platform-staging@example.com'] },
  service: {
    imageTag: '0.1.0',
    appVersion: '0.1.0',
    logLevel: 'info',
    minReplicas: 2,
    maxReplicas: 6,
  },
};
