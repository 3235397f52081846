/**
 * The stacks of one stage in dependency order, with construct references handed on through props
 * (never names or ARNs). `bin/app.ts` calls this for the stage picked by `-c stage=`; the infra tests
 * call it to check the composed app.
 */
import { App } from 'aws-cdk-lib';

import type { StageConfig } from './config/schema';
import { AlarmsStack } from './stacks/alarms-stack';
import { CacheStack } from './stacks/cache-stack';
import { ClusterStack } from './stacks/cluster-stack';
import { DataStack } from './stacks/data-stack';
import { EdgeStack } from './stacks/edge-stack';
import { NetworkStack } from './stacks/network-stack';
import { ServiceStack } from './stacks/service-stack';

export interface StageStacks {
  readonly data: DataStack;
  readonly network?: NetworkStack;
  readonly edge?: EdgeStack;
  readonly cluster?: ClusterStack;
  readonly cache?: CacheStack;
  readonly service?: ServiceStack;
  readonly alarms?: AlarmsStack;
}

export function composeStage(app: App, config: StageConfig): StageStacks {
  const data = new DataStack(app, 'Data', { config });
  // The emulator hosts DynamoDB, S3, SQS, Secrets Manager and IAM only: `local` stops at the data stack.
  if (config.stage === 'local') return { data };

  const network = new NetworkStack(app, 'Network', { config });
  const edge = new EdgeStack(app, 'Edge', { config });
  const cluster = new ClusterStack(app, 'Cluster', { config, vpc: network.vpc, hostedZone: edge.hostedZone });
  const cache = new CacheStack(app, 'Cache', {
    config,
    vpc: network.vpc,
    clusterSecurityGroup: cluster.cluster.clusterSecurityGroup,
  });
  const service = new ServiceStack(app, 'Service', {
    config,
    cluster: cluster.cluster,
    controllers: cluster.controllers,
    data,
    cache: cache.cache,
    certificate: edge.certificate,
    webAclArn: edge.webAcl?.webAclArn,
    monitoring: cluster.monitoring,
    tracingEndpoint: cluster.tracingEndpoint,
  });
  // CloudWatch alarms of what the stacks above run (the emulator has no CloudWatch, so not for local).
  const alarms = new AlarmsStack(app, 'Alarms', {
    config,
    queues: { messages: data.messagesQueue, deadLetter: data.messagesDeadLetterQueue },
    tables: { users: data.usersTable, messages: data.messagesTable },
    cacheReplicationGroup: cache.cache.replicationGroup,
    vpc: network.vpc,
  });
  return { data, network, edge, cluster, cache, service, alarms };
}
