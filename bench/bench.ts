/**
 * `npm run bench` (through bench/run.sh): each route against the full app, a minimal Express app
 * and a bare node:http handler, each server in its own process, autocannon in this one. Prints the
 * table and writes it as JSON and Markdown. See docs/BENCHMARKS.md.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { pngOfSize, userForm } from './lib/fixtures';
import { summariseProfile } from './lib/profile';
import { type BenchResources, createResources } from './lib/resources';
import {
  type Measurement,
  SERVERS,
  SERVER_LABELS,
  type ServerName,
  addRatios,
  describeMachine,
  loadAverage1m,
  markdownReport,
  textTable,
} from './lib/report';

const ROOT = resolve(__dirname, '..');
const STATE = join(ROOT, '.local', 'bench');

const numberFromEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
};
const listFromEnv = (name: string): string[] | undefined =>
  process.env[name]
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const settings = {
  durationSeconds: numberFromEnv('BENCH_DURATION', 10),
  warmupSeconds: numberFromEnv('BENCH_WARMUP', Math.min(3, numberFromEnv('BENCH_DURATION', 10))),
  connections: Math.max(1, Math.round(numberFromEnv('BENCH_CONNECTIONS', 64))),
};
const seedUsers = Math.round(numberFromEnv('BENCH_SEED_USERS', 20));
const profile = process.env.BENCH_PROFILE === '1';
const region = process.env.AWS_REGION ?? 'us-east-1';
const endpoint = process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

const avatar = pngOfSize(50 * 1024);
const form = userForm(avatar);
let emailSequence = 0;
const nextEmail = (label: string) => `bench-${runId}-${label}-${emailSequence++}@example.com`;

interface Scenario {
  readonly name: string;
  readonly status: number;
  /** One request's description for fetch (sanity check, seeding) and for autocannon. */
  request(label: string): { method: string; path: string; headers?: Record<string, string>; body?: Buffer };
  /** Per-request setup for autocannon when each request must differ. */
  readonly dynamic?: boolean;
}

const MESSAGE = Buffer.from(JSON.stringify({ order: 42, item: 'book', quantity: 1, note: 'benchmark' }));

const SCENARIOS: Scenario[] = [
  { name: 'GET /read', status: 200, request: () => ({ method: 'GET', path: '/read' }) },
  { name: 'POST /write', status: 200, request: () => ({ method: 'POST', path: '/write' }) },
  { name: 'GET /users', status: 200, request: () => ({ method: 'GET', path: '/users' }) },
  {
    name: 'POST /user',
    status: 201,
    dynamic: true,
    request: (label) => ({
      method: 'POST',
      path: '/user',
      headers: { 'content-type': form.contentType },
      body: form.body('Bench User', nextEmail(label)),
    }),
  },
  {
    name: 'POST /process_message',
    status: 200,
    request: () => ({
      method: 'POST',
      path: '/process_message',
      headers: { 'content-type': 'application/json' },
      body: MESSAGE,
    }),
  },
];

interface RunningServer {
  readonly name: ServerName;
  readonly child: ChildProcess;
  readonly port: number;
}

function startServer(name: ServerName, env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const execArgv = ['--import', 'tsx'];
  if (profile && name === 'full') execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(STATE, 'profiles')}`);
  const child = fork(join(__dirname, 'server.ts'), [name], {
    cwd: ROOT,
    execArgv,
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} server did not start within 60 s`)), 60_000);
    child.once('message', (m: { port?: number }) => {
      clearTimeout(timer);
      if (m.port) resolvePort({ name, child, port: m.port });
      else reject(new Error(`${name} server sent no port`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} server exited with code ${code} before listening`));
    });
  });
}

const children: ChildProcess[] = [];

/** Asks every child to stop, then kills the ones still there after 5 s. */
async function stopChildren(): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            done();
          }, 5000);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          if (child.connected) child.send('stop');
          else child.kill('SIGTERM');
        }),
    ),
  );
  children.length = 0;
}

async function sendOnce(server: RunningServer, scenario: Scenario, label: string): Promise<void> {
  const req = scenario.request(label);
  const res = await fetch(`http://127.0.0.1:${server.port}${req.path}`, {
    method: req.method,
    headers: req.headers,
    body: req.body,
  });
  const text = await res.text();
  if (res.status !== scenario.status) {
    throw new Error(
      `${SERVER_LABELS[server.name]} answered ${scenario.name} with ${res.status} (expected ${scenario.status}): ${text.slice(0, 300)}`,
    );
  }
}

function load(server: RunningServer, scenario: Scenario, seconds: number, label: string) {
  const base = scenario.request(label);
  const options: autocannon.Options = {
    // autocannon takes the path from the URL (a `path` option is overridden by it).
    url: `http://127.0.0.1:${server.port}${base.path}`,
    connections: settings.connections,
    duration: seconds,
    timeout: 10,
  };
  if (scenario.dynamic) {
    options.requests = [{ ...base, setupRequest: (r) => ({ ...r, ...scenario.request(label) }) }];
  } else {
    Object.assign(options, base);
  }
  return autocannon(options);
}

async function measure(server: RunningServer, scenario: Scenario): Promise<Measurement> {
  await sendOnce(server, scenario, `${server.name}-check`);
  if (settings.warmupSeconds > 0) await load(server, scenario, settings.warmupSeconds, `${server.name}-warm`);
  const r = await load(server, scenario, settings.durationSeconds, server.name);
  const failures = r.non2xx + r.errors + r.timeouts;
  if (failures > 0) {
    const statuses = Object.entries(r.statusCodeStats).map(([code, { count }]) => `${code}×${count}`);
    console.error(
      `  ${scenario.name} on ${SERVER_LABELS[server.name]}: ${r.errors} errors, ${r.timeouts} timeouts, statuses ${statuses.join(' ')}`,
    );
  }
  return {
    scenario: scenario.name,
    server: server.name,
    requestsPerSecond: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    failures,
  };
}

const newestProfile = (dir: string): string | undefined =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];

async function main(): Promise<void> {
  const scenarioFilter = listFromEnv('BENCH_SCENARIOS');
  const serverFilter = listFromEnv('BENCH_SERVERS');
  const scenarios = SCENARIOS.filter(
    (s) => !scenarioFilter || scenarioFilter.some((f) => s.name.toLowerCase().endsWith(f.toLowerCase())),
  );
  const servers = SERVERS.filter((s) => !serverFilter || serverFilter.includes(s));
  const complete = scenarios.length === SCENARIOS.length && servers.length === SERVERS.length;
  const output = resolve(
    ROOT,
    process.env.BENCH_OUTPUT ??
      (complete && settings.durationSeconds >= 5 ? 'bench/results/latest' : '.local/bench/last'),
  );
  mkdirSync(join(STATE, 'profiles'), { recursive: true });
  const machine = describeMachine();
  console.log(
    `bench: ${settings.connections} connections, ${settings.durationSeconds} s per run, ${settings.warmupSeconds} s warm-up`,
  );

  let resources: BenchResources | undefined;
  const cleanUp = async () => {
    await stopChildren();
    const r = resources;
    resources = undefined;
    if (r) {
      await r.destroy();
      console.log('bench: removed its tables, bucket and queue');
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`bench: ${signal}, cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const rows: Measurement[] = [];
  try {
    resources = await createResources(region, endpoint);
    console.log(`bench: created ${resources.usersTable}, ${resources.messagesTable}, ${resources.bucket}`);
    const logFile = join(STATE, `full-app-${runId}.log`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_REGION: region,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      USERS_TABLE: resources.usersTable,
      MESSAGES_TABLE: resources.messagesTable,
      AVATARS_BUCKET: resources.bucket,
      MESSAGES_QUEUE_URL: resources.queueUrl,
      REDIS_URL: redisUrl,
      LOG_LEVEL: 'info',
      BENCH_LOG_FILE: logFile,
    };
    const running = await Promise.all(servers.map((s) => startServer(s, env)));
    const seeder = running[0];
    const users = SCENARIOS.find((s) => s.name === 'POST /user');
    if (seeder && users) {
      for (let i = 0; i < seedUsers; i++) await sendOnce(seeder, users, 'seed');
    }

    for (const [i, scenario] of scenarios.entries()) {
      // Rotate the order so that no server is always measured first (or last) on a warmer emulator.
      const order = running.map((_, k) => running[(k + i) % running.length]);
      for (const server of order) {
        const m = await measure(server, scenario);
        rows.push(m);
        console.log(
          `  ${scenario.name.padEnd(22)} ${SERVER_LABELS[server.name].padEnd(16)} ${m.requestsPerSecond.toFixed(0).padStart(7)} req/s` +
            `  p50 ${m.p50Ms.toFixed(1)} ms  p99 ${m.p99Ms.toFixed(1)} ms${m.failures ? `  FAILED ${m.failures}` : ''}`,
        );
      }
    }
    await stopChildren();
    console.log(`bench: the full app's access log is in ${logFile}`);
  } finally {
    await cleanUp();
  }

  rows.sort(
    (a, b) =>
      SCENARIOS.findIndex((s) => s.name === a.scenario) - SCENARIOS.findIndex((s) => s.name === b.scenario) ||
      SERVERS.indexOf(a.server) - SERVERS.indexOf(b.server),
  );
  addRatios(rows);
  machine.loadAverage.end = loadAverage1m();
  console.log(`\n${textTable(rows)}\n`);
  const markdown = markdownReport(rows, machine, settings);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(`${output}.json`, `${JSON.stringify({ machine, settings, results: rows }, null, 2)}\n`);
  writeFileSync(`${output}.md`, markdown);
  console.log(`bench: wrote ${output}.json and ${output}.md`);

  if (profile) {
    const file = newestProfile(join(STATE, 'profiles'));
    if (file) console.log(`\nCPU profile of the full app: ${file}\n${summariseProfile(file)}`);
  }
  const failed = rows.filter((r) => r.failures > 0);
  if (failed.length > 0) {
    console.error(`bench: ${failed.length} run(s) had failed requests; their figures are not comparable`);
    process.exitCode = 1;
  }
}

main().catch(async (err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  await stopChildren();
  process.exit(1);
});
