/**
 * Shared fixture of the infra tests: the committed stage files with a fixed account, region and
 * zones (so no test depends on a real account and synth never looks anything up), an App that
 * carries cdk.json's feature flags, and the cdk-nag AwsSolutions report of a stack.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

import { STAGES, StageConfig, StageName, parseStageConfig } from '../../lib/config/schema';
import { local } from '../../lib/config/local';
import { dev } from '../../lib/config/dev';
import { staging } from '../../lib/config/staging';
import { prod } from '../../lib/config/prod';

import cdkJson from '../../cdk.json';

// aws-cdk-lib's built-in template validation costs ~13 s per synth; the infra tests check templates with
// assertions, cdk-nag and (local/checks/cfn-lint.sh) cfn-lint instead. `cdk synth` keeps it on.
process.env.CDK_VALIDATION ??= 'false';

export const TEST_ACCOUNT = '123456789012';
export const TEST_REGION = 'eu-west-1';
export const TEST_AZS = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

const STAGE_FILES = { local, dev, staging, prod };
export const AWS_STAGES = STAGES.filter((s) => s !== 'local');

/** A stage file as committed, moved to the fixed test account/region/zones (local keeps its emulator env). */
export function testConfig(
  stage: StageName,
  patch: (raw: Record<string, unknown>) => void = () => {},
): StageConfig {
  const raw: Record<string, unknown> = structuredClone(STAGE_FILES[stage]) as unknown as Record<
    string,
    unknown
  >;
  if (stage !== 'local') {
    const azCount = (STAGE_FILES[stage].availabilityZones ?? []).length;
    raw.env = { account: TEST_ACCOUNT, region: TEST_REGION };
    raw.availabilityZones = TEST_AZS.slice(0, azCount);
  }
  patch(raw);
  return parseStageConfig(raw, `test config ${stage}`);
}

/** The cloud assembly directories of this test file's Apps, removed when the file's tests are done. */
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** An App with the project's feature flags (cdk.json context), as `cdk synth` would build it. */
export function testApp(): App {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk.out'));
  outdirs.push(outdir);
  return new App({ outdir, context: { ...cdkJson.context } });
}

export interface NagFinding {
  readonly rule: string;
  readonly severity: string;
  readonly paths: string[];
}

/** Every unacknowledged cdk-nag AwsSolutions finding of the stack. */
export function nagFindings(app: App, stack: Stack): NagFinding[] {
  Template.fromStack(stack); // synthesizes the stack so every construct exists
  const report = new AwsSolutionsChecks(app).validateScope(stack);
  return report.violations.map((v) => ({
    rule: v.ruleName,
    severity: String(v.severity ?? 'error'),
    paths: v.violatingResources.flatMap((r) => r.locations ?? [r.resourceLogicalId]),
  }));
}

/** The findings cdk-nag reports as errors (what `cdk synth -c nag=true` would refuse). */
export function nagErrors(app: App, stack: Stack): NagFinding[] {
  return nagFindings(app, stack).filter((f) => f.severity === 'error');
}

export interface Built<S extends Stack> {
  readonly app: App;
  readonly stack: S;
  readonly template: Template;
}

/** Builds one stack (and whatever it needs) in a fresh test App and synthesizes its template. */
export function build<S extends Stack>(create: (app: App) => S): Built<S> {
  const app = testApp();
  const stack = create(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/** The two checks every stack configuration gets: its snapshot, and a clean cdk-nag report. */
export function itMatchesSnapshotAndPassesNag(built: () => Built<Stack>): void {
  test('when synthesized, then the template matches the snapshot', () => {
    expect(built().template.toJSON()).toMatchSnapshot();
  });

  test('when synthesized, then cdk-nag AwsSolutions reports nothing unacknowledged', () => {
    expect(nagFindings(built().app, built().stack)).toEqual([]);
  });
}

/** A CloudFormation value as text: `Fn::Join` joined, `Ref` → `<Ref:Id>`, `Fn::GetAtt` → `<Id.Attr>`, imports → `<Import:Name>`. */
export function cfnText(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(cfnText).join(sep);
  }
  if (v.Ref) return `<Ref:${String(v.Ref)}>`;
  if (v['Fn::GetAtt']) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if (v['Fn::ImportValue']) return `<Import:${cfnText(v['Fn::ImportValue'])}>`;
  return JSON.stringify(value);
}

/** The Helm release resources of a template by release name (logical id, properties, DependsOn). */
export function helmReleasesOf(
  template: Template,
): Record<string, { id: string; Properties: Record<string, unknown>; DependsOn: string[] }> {
  return Object.fromEntries(
    Object.entries(template.findResources('Custom::AWSCDK-EKS-HelmChart')).map(([id, r]) => [
      r.Properties.Release as string,
      { id, Properties: r.Properties, DependsOn: r.DependsOn ?? [] },
    ]),
  );
}

/** The values of one Helm release, parsed, with CloudFormation references as `cfnText` shows them. */
export function helmValuesOf(template: Template, release: string): Record<string, unknown> {
  const found = helmReleasesOf(template)[release];
  if (!found) throw new Error(`no Helm release ${release}`);
  return JSON.parse(cfnText(found.Properties.Values));
}
