#!/usr/bin/env node
/**
 * Composes the stacks of one stage: `cdk synth|deploy --all -c stage=<local|dev|staging|prod>`
 * (default `dev`). Checks that can run during synth, each failing it on a finding:
 *
 * - `-c nag=true`: the cdk-nag AwsSolutions rules (the infra tests always run them).
 * - `-c validate=true`: aws-cdk-lib's built-in CloudFormation template validation. On by default only
 *   where the environment says CI (`CI=true`), off for a plain synth: it is about three quarters of a
 *   prod synth's CPU and half its memory, and cfn-lint checks the same templates in `npm test`.
 *   `-c validate=false`, `CDK_VALIDATION=false` or `cdk synth --no-validation` turn it off anywhere.
 */
import { App, CloudFormationValidatePlugin, Validations } from 'aws-cdk-lib';

import { composeStage } from '../lib/app';
import { loadStageConfig } from '../lib/config/schema';

export const DEFAULT_STAGE = 'dev';

/** Whether the built-in template validation runs: `-c validate` if given, else in CI only. */
function builtinValidation(validate: unknown, env: NodeJS.ProcessEnv): boolean {
  if (env.CDK_VALIDATION === 'false') return false;
  if (validate !== undefined) return String(validate) === 'true';
  return env.CI === 'true' || env.CI === '1';
}

// Validation is registered below when wanted; findings fail synth there
// (@aws-cdk/core:validateAgainstDefaultRules in cdk.json), not only warn.
const app = new App({ builtinCloudFormationValidation: false });
const config = loadStageConfig(String(app.node.tryGetContext('stage') ?? DEFAULT_STAGE));
if (builtinValidation(app.node.tryGetContext('validate'), process.env)) {
  Validations.of(app).addPlugins(new CloudFormationValidatePlugin());
}
if (String(app.node.tryGetContext('nag')) === 'true') {
  // Loaded only when asked for: cdk-nag's rule packs cost a plain synth about 0.3 s of CPU and 20 MB.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AwsSolutionsChecks } = require('cdk-nag') as typeof import('cdk-nag');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
composeStage(app, config);
