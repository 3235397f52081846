import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { STAGES, StageConfigError, loadStageConfig, parseStageConfig } from '../../lib/config/schema';
import { dev } from '../../lib/config/dev';

import cdkJson from '../../cdk.json';

const ROOT = path.join(__dirname, '..', '..');

/** A stage file as loose JSON: these tests write values the schema must reject. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawConfig = Record<string, any>;

/** A copy of the dev stage file with one change. */
function devWith(patch: (raw: RawConfig) => void): unknown {
  const raw = structuredClone(dev) as RawConfig;
  patch(raw);
  return raw;
}

describe('stage files', () => {
  test.each(STAGES)('when stage %s is loaded, then it parses and names itself', (stage) => {
    const config = loadStageConfig(stage);
    expect(config.stage).toBe(stage);
    expect(config.cluster.kubernetesVersion).toBe('1.35');
  });

  test('when local is loaded, then it targets the emulator account and region', () => {
    expect(loadStageConfig('local').env).toEqual({ account: '000000000000', region: 'us-east-1' });
  });

  test('when prod and staging are loaded, then their data is retained and protected and the cache has replicas', () => {
    for (const stage of ['staging', 'prod'] as const) {
      const config = loadStageConfig(stage);
      expect(config.data).toMatchObject({
        removalPolicy: 'retain',
        deletionProtection: true,
        pointInTimeRecovery: true,
      });
      expect(config.cache.replicasPerShard).toBeGreaterThan(0);
      expect(config.network.natGateways).toBe(config.availabilityZones.length);
    }
  });

  test('when optional keys are left out, then the documented defaults apply', () => {
    const config = parseStageConfig(
      devWith((raw) => {
        delete raw.identityMode;
        delete raw.cluster.kubernetesVersion;
        delete raw.cache.engine;
      }),
    );
    expect(config.identityMode).toBe('irsa');
    expect(config.cluster.kubernetesVersion).toBe('1.35');
    expect(config.cache.engine).toBe('valkey');
    expect(config.service).toMatchObject({
      namespace: 'eks-service',
      serviceAccountName: 'eks-service',
      helmTimeoutMinutes: 10,
    });
  });
});

describe('bad configuration stops synth naming the key', () => {
  test.each([
    ['env.account', (raw: RawConfig) => (raw.env.account = '1234')],
    ['appName', (raw: RawConfig) => (raw.appName = 'EKS_Ref')],
    ['availabilityZones.1', (raw: RawConfig) => (raw.availabilityZones = ['eu-west-1a', 'us-east-1b'])],
    ['availabilityZones', (raw: RawConfig) => (raw.availabilityZones = ['eu-west-1a'])],
    ['cluster.kubernetesVersion', (raw: RawConfig) => (raw.cluster.kubernetesVersion = '1.29')],
    ['cluster.endpointAccess', (raw: RawConfig) => (raw.cluster.endpointAccess = 'open')],
    ['cluster.adminPrincipalArn', (raw: RawConfig) => (raw.cluster.adminPrincipalArn = 'admin')],
    [
      'cluster.systemNodeGroup.desiredSize',
      (raw: RawConfig) => (raw.cluster.systemNodeGroup.desiredSize = 9),
    ],
    ['cluster.karpenter.version', (raw: RawConfig) => (raw.cluster.karpenter.version = '0.37.0')],
    [
      'cluster.karpenter.capacityTypes.0',
      (raw: RawConfig) => (raw.cluster.karpenter.capacityTypes = ['reserved']),
    ],
    ['cluster.karpenter.cpuLimit', (raw: RawConfig) => (raw.cluster.karpenter.cpuLimit = -1)],
    ['identityMode', (raw: RawConfig) => (raw.identityMode = 'static-keys')],
    ['cache.replicasPerShard', (raw: RawConfig) => (raw.cache.replicasPerShard = 6)],
    ['data.removalPolicy', (raw: RawConfig) => (raw.data.removalPolicy = 'snapshot')],
    ['service.logLevel', (raw: RawConfig) => (raw.service.logLevel = 'verbose')],
    ['service.imageTag', (raw: RawConfig) => (raw.service.imageTag = 'has space')],
    ['dns.hostedZoneName', (raw: RawConfig) => (raw.dns.hostedZoneName = 'Example.COM.')],
  ])('when %s is bad, then the error names it', (key, patch) => {
    const escaped = key.replace(/\./g, '\\.');
    expect(() => parseStageConfig(devWith(patch), 'lib/config/dev.ts')).toThrow(
      new RegExp(`Invalid stage configuration lib/config/dev\\.ts:\\n(.*\\n)*  - ${escaped}: `),
    );
  });

  test('when a key is missing, then the error names it', () => {
    expect(() => parseStageConfig(devWith((raw) => delete raw.network.cidr))).toThrow(/network\.cidr/);
  });

  test('when the stage is unknown, then loadStageConfig names stage and lists the valid ones', () => {
    expect(() => loadStageConfig('qa')).toThrow(StageConfigError);
    expect(() => loadStageConfig('qa')).toThrow(
      /stage: unknown stage, expected one of local, dev, staging, prod/,
    );
  });
});

describe('bin/app.ts', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-synth-'));
  });
  afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

  /**
   * Runs the app as `cdk synth` would, without the CLI: cdk.json's `app` command (its `node` is this
   * Node), with cdk.json's context and the -c keys through CDK_CONTEXT_JSON.
   */
  function runApp(
    context: Record<string, string>,
    env: Record<string, string> = { CDK_VALIDATION: 'false' },
  ) {
    const [node, ...args] = cdkJson.app.split(' ');
    expect(node).toBe('node');
    const result = spawnSync(process.execPath, args, {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, ...context }),
        CI: '',
        ...env,
      },
    });
    const manifestFile = path.join(outdir, 'manifest.json');
    const stacks = fs.existsSync(manifestFile)
      ? Object.values(
          (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { artifacts: RawConfig }).artifacts,
        )
          .filter((a) => a.type === 'aws:cloudformation:stack')
          .map((a) => a.properties.stackName as string)
          .sort()
      : [];
    return { status: result.status, stderr: result.stderr, stacks };
  }

  const validationReport = () => path.join(outdir, 'validation-report.json');

  test('when no stage is given, then the dev stage is composed with all seven stacks', () => {
    const { status, stacks } = runApp({});
    expect(status).toBe(0);
    expect(stacks).toEqual(
      ['alarms', 'cache', 'cluster', 'data', 'edge', 'network', 'service'].map(
        (concern) => `eksref-dev-${concern}`,
      ),
    );
  });

  test('when stage=local, then only the data stack is composed', () => {
    const { status, stacks } = runApp({ stage: 'local' });
    expect(status).toBe(0);
    expect(stacks).toEqual(['eksref-local-data']);
  });

  test('when validate=true, then the built-in template validation runs (its report is written); a plain synth has none', () => {
    expect(runApp({ stage: 'local', validate: 'true' }, {}).status).toBe(0);
    // The report is written only by a registered validation plugin (no findings: no plugin entries).
    expect(JSON.parse(fs.readFileSync(validationReport(), 'utf8'))).toMatchObject({
      title: 'Validation Report',
    });
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.mkdirSync(outdir);
    expect(runApp({ stage: 'local' }, {}).status).toBe(0);
    expect(fs.existsSync(validationReport())).toBe(false);
    // CI=true turns it on without the context key, CDK_VALIDATION=false off again.
    expect(runApp({ stage: 'local' }, { CI: 'true' }).status).toBe(0);
    expect(fs.existsSync(validationReport())).toBe(true);
    fs.rmSync(validationReport());
    expect(runApp({ stage: 'local' }, { CI: 'true', CDK_VALIDATION: 'false' }).status).toBe(0);
    expect(fs.existsSync(validationReport())).toBe(false);
  });

  test('when the stage is unknown, then synth fails naming stage', () => {
    const { status, stderr, stacks } = runApp({ stage: 'qa' });
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/stage: unknown stage/);
    expect(stacks).toEqual([]);
  });
});
