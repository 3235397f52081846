import type { StageConfigInput } from './schema';

/**
 * dev: the cheapest shape that still runs everything: two zones, one NAT gateway, a single cache node,
 * spot capacity first, and data that is destroyed with the stack. Replace the account, the zone id and
 * the domain with yours before `cdk deploy --all -c stage=dev` (see docs/DEPLOY.md).
 */
export const dev: StageConfigInput = {
  appName: 'eksref',
  stage: 'dev',
  env: { account: '111111111111', region: 'eu-west-1' },
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  dns: {
    domainName: 'api.dev.example.com',
    hostedZoneId: 'Z0DEVEXAMPLE000000001',
    hostedZoneName: 'dev.example.com',
  },
  cluster: {
    endpointAccess: 'public-and-private',
    systemNodeGroup: { instanceTypes: ['m7i.large'], minSize: 2, maxSize: 3, desiredSize: 2 },
    karpenter: {
      cpuLimit: 32,
      memoryLimitGi: 128,
      instanceCategories: ['c', 'm', 'r'],
      capacityTypes: ['spot', 'on-demand'],
    },
  },
  network: {
    natGateways: 1,
    interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'sts'],
    flowLogRetentionDays: 30,
    cidr: '10.10.0.0/16',
  },
  cache: { nodeType: 'cache.t4g.micro', replicasPerShard: 0 },
  data: { removalPolicy: 'destroy', deletionProtection: false, pointInTimeRecovery: true },
  // New to the WAF: every rule only counts until its logs show no false positives, then drop this line.
  waf: { mode: 'count' },
  // The alarm topic's subscribers (each confirms the subscription email once); replace with yours.
  alarms: { emails: ['platform-dev@example.com'] },
  service: {
    imageTag: '0.1.0',
    appVersion: '0.1.0',
    logLevel: 'debug',
    minReplicas: 2,
    maxReplicas: 4,
  },
};
