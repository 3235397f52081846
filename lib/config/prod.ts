import type { StageConfigInput } from './schema';

/**
 * prod: three zones, a NAT gateway per zone, private-and-public API endpoint with an admin access entry,
 * on-demand capacity, two cache replicas, deletion protection and RETAIN on all data.
 * Replace the account, the admin role, the zone id and the domain with yours.
 */
export const prod: StageConfigInput = {
  appName: 'eksref',
  stage: 'prod',
  env: { account: '333333333333', region: 'eu-west-1' },
  availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  dns: {
    domainName: 'api.example.com',
    hostedZoneId: 'Z0PRODEXAMPLE00000001',
    hostedZoneName: 'example.com',
  },
  cluster: {
    endpointAccess: 'public-and-private',
    adminPrincipalArn: 'arn:aws:iam::333333333333:role/PlatformAdmin',
    systemNodeGroup: { instanceTypes: ['m7i.large', 'm6i.large'], minSize: 3, maxSize: 6, desiredSize: 3 },
    karpenter: {
      cpuLimit: 256,
      memoryLimitGi: 1024,
      instanceCategories: ['c', 'm', 'r'],
      capacityTypes: ['on-demand'],
    },
  },
  network: {
    natGateways: 3,
    interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'sts', 'logs', 'secretsmanager', 'elasticache'],
    flowLogRetentionDays: 365,
    cidr: '10.30.0.0/16',
  },
  cache: {
    nodeType: 'cache.m7g.large',
    replicasPerShard: 2,
    snapshotRetentionDays: 7,
  },
  data: { removalPolicy: 'retain', deletionProtection: true, pointInTimeRecovery: true },
  waf: { logRetentionDays: 365 },
  // Samples kept in Amazon Managed Service for Prometheus, traces in AWS X-Ray.
  monitoring: { remoteWrite: true, tracing: true, retention: '7d' },
  // The alarm topic's subscribers (each confirms the subscription email once); replace with yours.
  alarms: { emails: ['platform-oncall@example.com', 'platform-team@example.com'] },
  service: {
    imageTag: '0.1.0',
    appVersion: '0.1.0',
    logLevel: 'info',
    minReplicas: 3,
    maxReplicas: 12,
  },
};
