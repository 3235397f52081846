#!/usr/bin/env node
/**
 * Composes the stacks of one stage: `cdk synth|deploy --all -c stage=<local|dev|staging|prod>`
 * (default `dev`). `-c nag=true` also runs the cdk-nag AwsSolutions checks during synth (the infra
 * tests always run them).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { composeStage } from '../lib/app';
import { loadStageConfig } from '../lib/config/schema';

export const DEFAULT_STAGE = 'dev';

const app = new App();
const config = loadStageConfig(String(app.node.tryGetContext('stage') ?? DEFAULT_STAGE));
if (String(app.node.tryGetContext('nag')) === 'true')
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
composeStage(app, config);
