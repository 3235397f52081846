/**
 * Names derived from a stage configuration, in one place so every stack agrees on them.
 */
import type { StageConfig } from './schema';

/** Stack names follow `<app>-<stage>-<concern>` (ARCHITECTURE.md). */
export type StackConcern = 'network' | 'data' | 'cache' | 'cluster' | 'edge' | 'service' | 'alarms';

export function stackName(config: Pick<StageConfig, 'appName' | 'stage'>, concern: StackConcern): string {
  return `${config.appName}-${config.stage}-${concern}`;
}

/** The EKS cluster's name; also the value of the Karpenter discovery tag on subnets and security groups. */
export function clusterName(config: Pick<StageConfig, 'appName' | 'stage'>): string {
  return `${config.appName}-${config.stage}`;
}

/** The WAFv2 web ACL of the stage's ALB; its log group is `aws-waf-logs-<this name>`. */
export function webAclName(config: Pick<StageConfig, 'appName' | 'stage'>): string {
  return `${config.appName}-${config.stage}`;
}
