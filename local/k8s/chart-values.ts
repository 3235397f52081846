/**
 * The eks-service chart's values for the local cluster, from the local stack outputs.
 *
 *   npx tsx local/k8s/chart-values.ts --image-repository localhost/eks-service --image-tag <tag> \
 *     --aws-endpoint-url http://10.220.0.1:4566 --redis-url redis://10.220.0.1:6379 \
 *     --credentials-secret <Secret with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY> \
 *     [--app-secret <Secret with SECRET_KEY>] [--outputs .local/outputs.json] --out <values file>
 *
 * It reads the outputs `cdklocal deploy --outputs-file` wrote (stacks → UsersTableName,
 * MessagesTableName, AvatarsBucketName, MessagesQueueUrl, AppSecretArn), computes the values with the
 * same typed mapper the CDK service stack uses (`serviceChartValues`, with the local stage's region,
 * service account and app version), merges the documented overlay local/k8s/values-local.yaml over
 * them (`mergeValues`), adds the NetworkPolicy egress rule for exactly the emulator's address and
 * port (from --aws-endpoint-url), checks the result against the chart's values.schema.json, and writes YAML
 * (through a temporary file and a rename, so a failed run leaves nothing behind). Any missing flag or
 * output, or a bad value, is one line on stderr naming it, and exit status 1.
 *
 * With `--app-secret`, SECRET_KEY comes from that Kubernetes Secret (key `SECRET_KEY`, optionally
 * `DB_PASSWORD`: the overlay's `secrets.keys`) and APP_SECRET_ARN is not passed: the emulator reports the
 * app secret by name, which APP_SECRET_ARN (and the chart's schema) refuse. The queue URL is passed as
 * the emulator issued it: with AWS_ENDPOINT_URL set, the SDK sends every request to that endpoint and
 * uses the URL only to name the queue.
 */
import fs from 'node:fs';
import path from 'node:path';

import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse, stringify } from 'yaml';

import { loadStageConfig } from '../../lib/config/schema';
import { mergeValues, serviceChartValues } from '../../lib/service-chart';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CHART_DIR = path.join(REPO_ROOT, 'helm', 'eks-service');
export const OVERLAY_FILE = path.join(REPO_ROOT, 'local', 'k8s', 'values-local.yaml');
export const DEFAULT_OUTPUTS_FILE = path.join(REPO_ROOT, '.local', 'outputs.json');

/** A problem to report as one line (no stack trace). */
export class ChartValuesError extends Error {}

export interface ChartValuesOptions {
  readonly outputs: string;
  readonly imageRepository: string;
  readonly imageTag: string;
  readonly awsEndpointUrl: string;
  readonly redisUrl: string;
  readonly credentialsSecret: string;
  readonly appSecret?: string;
  readonly out: string;
}

/** Flag → option, in the order a missing one is reported; `required: false` ones may be left out. */
const FLAGS: ReadonlyArray<{ flag: string; key: keyof ChartValuesOptions; required: boolean }> = [
  { flag: '--outputs', key: 'outputs', required: false },
  { flag: '--image-repository', key: 'imageRepository', required: true },
  { flag: '--image-tag', key: 'imageTag', required: true },
  { flag: '--aws-endpoint-url', key: 'awsEndpointUrl', required: true },
  { flag: '--redis-url', key: 'redisUrl', required: true },
  { flag: '--credentials-secret', key: 'credentialsSecret', required: true },
  { flag: '--app-secret', key: 'appSecret', required: false },
  { flag: '--out', key: 'out', required: true },
];

/** A Kubernetes object name (DNS subdomain), as the chart's schema wants for a Secret. */
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function parseUrl(value: string, flag: string, protocols: readonly string[]): URL {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !protocols.includes(url.protocol)) {
    throw new ChartValuesError(`${flag} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
  }
  if (url.username || url.password) {
    throw new ChartValuesError(`${flag} must not carry credentials (they come from Secrets by reference)`);
  }
  return url;
}

/** `--flag value` or `--flag=value`; throws naming the first unknown, empty or missing flag. */
export function parseArgs(argv: readonly string[]): ChartValuesOptions {
  const given: Partial<Record<keyof ChartValuesOptions, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const known = FLAGS.find((f) => f.flag === flag);
    if (!known)
      throw new ChartValuesError(`unknown argument ${argv[i]} (see the usage in ${relative(__filename)})`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) {
      throw new ChartValuesError(`${flag} needs a value`);
    }
    given[known.key] = value;
  }
  for (const { flag, key, required } of FLAGS) {
    if (required && given[key] === undefined) throw new ChartValuesError(`missing flag ${flag}`);
  }
  const options = { outputs: DEFAULT_OUTPUTS_FILE, ...given } as ChartValuesOptions;
  parseUrl(options.awsEndpointUrl, '--aws-endpoint-url', ['http:', 'https:']);
  parseUrl(options.redisUrl, '--redis-url', ['redis:', 'rediss:']);
  for (const [flag, name] of [
    ['--credentials-secret', options.credentialsSecret],
    ['--app-secret', options.appSecret],
  ] as const) {
    if (name !== undefined && !SECRET_NAME.test(name)) {
      throw new ChartValuesError(`${flag} must be a Kubernetes Secret name (lowercase a-z, 0-9, '-', '.')`);
    }
  }
  return options;
}

/** A path for messages: relative to the working directory when inside it, else absolute. */
const relative = (file: string): string => {
  const rel = path.relative(process.cwd(), path.resolve(file));
  return rel && !rel.startsWith('..') ? rel : path.resolve(file);
};

/** Every stack's outputs in one object (as local/service.sh reads them). */
export function readOutputs(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) {
    throw new ChartValuesError(
      `no stack outputs at ${relative(file)}: run npm run local (cdklocal deploy) first`,
    );
  }
  let stacks: unknown;
  try {
    stacks = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new ChartValuesError(`${relative(file)} is not JSON (expected cdklocal's --outputs-file)`);
  }
  if (typeof stacks !== 'object' || stacks === null || Array.isArray(stacks)) {
    throw new ChartValuesError(
      `${relative(file)} is not an object of stacks (expected cdklocal's --outputs-file)`,
    );
  }
  return Object.values(stacks).reduce<Record<string, unknown>>(
    (all, outputs) => ({ ...all, ...(typeof outputs === 'object' && outputs !== null ? outputs : {}) }),
    {},
  );
}

type Json = Record<string, unknown>;

/**
 * The egress rule that lets the api and the worker reach the emulator: its address (a /32 when the
 * URL names an IPv4 address, else the private ranges) and its port, from --aws-endpoint-url itself.
 */
function endpointEgress(endpointUrl: string): Json {
  const endpoint = new URL(endpointUrl);
  const port = Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80));
  const cidrs = /^\d{1,3}(\.\d{1,3}){3}$/.test(endpoint.hostname)
    ? [`${endpoint.hostname}/32`]
    : ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
  return { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ port, protocol: 'TCP' }] };
}

/** The chart's schema over the chart's defaults with these values, as Helm checks them; throws naming the keys. */
function validateAgainstSchema(values: Json): void {
  const schema = JSON.parse(fs.readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (validate(values)) return;
  const problems = (validate.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  throw new ChartValuesError(
    `the values do not match helm/eks-service/values.schema.json: ${[...new Set(problems)].join('; ')}`,
  );
}

/** The values file's content: the mapper's values for the local stack, with the local overlay merged over them. */
export function chartValues(options: ChartValuesOptions): Json {
  const outputs = readOutputs(options.outputs);
  const output = (name: string): string => {
    const value = outputs[name];
    if (typeof value !== 'string' || value === '') {
      throw new ChartValuesError(`stack output ${name} missing in ${relative(options.outputs)}`);
    }
    return value;
  };
  const usersTableName = output('UsersTableName');
  const messagesTableName = output('MessagesTableName');
  const avatarsBucketName = output('AvatarsBucketName');
  const messagesQueueUrl = output('MessagesQueueUrl');
  const deadLetterQueueUrl = output('MessagesDlqUrl');
  let appSecretArn: string | undefined;
  if (options.appSecret === undefined) {
    appSecretArn = output('AppSecretArn');
    if (!appSecretArn.startsWith('arn:')) {
      throw new ChartValuesError(
        `stack output AppSecretArn (${appSecretArn}) is not an ARN, which APP_SECRET_ARN needs (the emulator reports a name): pass --app-secret <Kubernetes Secret holding SECRET_KEY>`,
      );
    }
  }

  // What the CDK service stack takes from the stage configuration, from the local stage's. The replica
  // bounds, the VPC CIDR and the node architecture are EKS matters: the overlay has the local ones.
  const stage = loadStageConfig('local');
  const redisUrl = new URL(options.redisUrl);
  const computed = serviceChartValues({
    image: { repository: options.imageRepository, tag: options.imageTag },
    identity: { mode: 'static', credentialsSecret: options.credentialsSecret },
    serviceAccountName: stage.service.serviceAccountName,
    region: stage.env.region,
    endpointUrl: options.awsEndpointUrl,
    usersTableName,
    messagesTableName,
    avatarsBucketName,
    messagesQueueUrl,
    deadLetterQueueUrl,
    // The port too: the chart opens the api's Redis egress on config.redis.port.
    redis: { url: options.redisUrl, port: Number(redisUrl.port || 6379) },
    ...(appSecretArn !== undefined && { appSecretArn }),
    ...(options.appSecret !== undefined && { existingAppSecret: options.appSecret }),
    appVersion: stage.service.appVersion,
    overrides: stage.service.chartValues,
  });
  const overlay = (parse(fs.readFileSync(OVERLAY_FILE, 'utf8')) ?? {}) as Json;
  const merged = mergeValues(computed as Json, overlay);
  const policy = (merged.networkPolicy ?? {}) as Json;
  const egress = (policy.egress ?? {}) as Json;
  const values = mergeValues(merged, {
    networkPolicy: {
      egress: {
        extra: [...((egress.extra as Json[] | undefined) ?? []), endpointEgress(options.awsEndpointUrl)],
      },
    },
  });

  const full = mergeValues(
    parse(fs.readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as Json,
    values,
  );
  validateAgainstSchema(full);
  return values;
}

/** Writes through a temporary file in the same directory and a rename: readers see the old file or the new one. */
export function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function main(argv: readonly string[]): number {
  try {
    const options = parseArgs(argv);
    const values = chartValues(options);
    const header = [
      `# Generated by ${relative(__filename)} from ${relative(options.outputs)} (the service stack's`,
      `# values mapper) and ${relative(OVERLAY_FILE)}; do not edit, run it again.`,
    ].join('\n');
    // YAML 1.1 quoting, as Helm reads YAML 1.1: strings such as `yes` or `on` stay strings.
    writeAtomically(options.out, `${header}\n${stringify(values, { version: '1.1' })}`);
    console.log(`chart-values: wrote ${relative(options.out)}`);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`chart-values: ${message.split('\n')[0]}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
