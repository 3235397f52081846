import type { StageConfigInput } from './schema';

/**
 * local: deployed with `cdklocal deploy` to the emulator on 127.0.0.1:4566. Only the data stack is
 * composed (DynamoDB, S3, SQS, Secrets Manager); the cluster, network and cache values below are never
 * synthesized but must still be valid so one schema serves every stage. Redis is a local redis-server.
 */
export const local: StageConfigInput = {
  appName: 'eksref',
  stage: 'local',
  env: { account: '000000000000', region: 'us-east-1' },
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  dns: {
    domainName: 'api.local.example.com',
    hostedZoneId: 'Z0LOCALEXAMPLE0000001',
    hostedZoneName: 'local.example.com',
  },
  cluster: {
    endpointAccess: 'public',
    systemNodeGroup: { instanceTypes: ['t3.medium'], minSize: 1, maxSize: 1, desiredSize: 1 },
    karpenter: {
      cpuLimit: 8,
      memoryLimitGi: 32,
      instanceCategories: ['c', 'm'],
      capacityTypes: ['spot'],
    },
  },
  network: { natGateways: 1, interfaceEndpoints: [], flowLogRetentionDays: 1, cidr: '10.0.0.0/16' },
  cache: { nodeType: 'cache.t4g.micro', replicasPerShard: 0 },
  data: { removalPolicy: 'destroy', deletionProtection: false, pointInTimeRecovery: false },
  service: {
    imageTag: 'local',
    appVersion: '0.1.0',
    logLevel: 'debug',
    minReplicas: 1,
    maxReplicas: 1,
  },
};
