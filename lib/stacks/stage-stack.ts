import { Stack, StackProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';

import type { StageConfig } from '../config/schema';
import { StackConcern, stackName } from '../config/naming';

export interface StageStackProps extends StackProps {
  /** The parsed stage configuration. */
  readonly config: StageConfig;
}

/**
 * Base of the project's stacks: names the stack `<app>-<stage>-<concern>`, deploys it to the stage's
 * account and region, tags every resource with `Application` and `Environment` (plus `config.tags`),
 * and answers `availabilityZones` from the configuration so synth never looks zones up in AWS.
 */
export abstract class StageStack extends Stack {
  readonly config: StageConfig;

  protected constructor(scope: Construct, id: string, concern: StackConcern, props: StageStackProps) {
    const { config, ...stackProps } = props;
    super(scope, id, {
      stackName: stackName(config, concern),
      env: { account: config.env.account, region: config.env.region },
      description: `${config.appName} ${config.stage}: ${concern}`,
      ...stackProps,
    });
    this.config = config;
    Tags.of(this).add('Application', config.appName);
    Tags.of(this).add('Environment', config.stage);
    for (const [key, value] of Object.entries(config.tags)) Tags.of(this).add(key, value);
  }

  override get availabilityZones(): string[] {
    return [...this.config.availabilityZones];
  }
}
