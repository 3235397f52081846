/**
 * `npm run bench` (through bench/run.sh): each route against the full app, a minimal Express app
 * and a bare node:http handler, each server in its own process, autocannon in this one. Prints the
 * table and writes it as JSON and Markdown. See docs/BENCHMARKS.md.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { format, resolveConfig } from 'prettier';
import { pngOfSize, userForm } from './lib/fixtures';
import { type ProcessMemory, memoryMarkdown, memoryTextTable, watchMemory } from './lib/memory';
import { summariseProfile } from './lib/profile';
import { type BenchResources, createResources } from './lib/resources';
import {
  type Measurement,
  SERVERS,
  SERVER_LABELS,
  type ServerName,
  addRatios,
  combineRounds,
  describeMachine,
  loadAverage1m,
  markdownReport,
  textTable,
} from './lib/report';
import { freePort } from '../test/service/helpers/redis-server';

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
  rounds: Math.max(1, Math.round(numberFromEnv('BENCH_ROUNDS', 1))),
};
const seedUsers = Math.round(numberFromEnv('BENCH_SEED_USERS', 20));
/** BENCH_PROFILE=1 profiles the full app; BENCH_PROFILE=<server> another one. */
const profiled = process.env.BENCH_PROFILE === '1' ? 'full' : process.env.BENCH_PROFILE || undefined;
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

/** Preloaded into the full app and the worker: their memory breakdown at the RSS peak. */
const MEMORY_PROBE = pathToFileURL(join(__dirname, 'lib', 'memory-probe.ts')).href;
const memoryFile = (what: string) => join(STATE, `memory-${what}-${runId}.json`);

function startServer(name: ServerName, env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const probe = name === 'full';
  const execArgv = ['--import', 'tsx', ...(probe ? ['--import', MEMORY_PROBE] : [])];
  const child = fork(join(__dirname, 'server.ts'), [name], {
    cwd: ROOT,
    execArgv,
    env: probe ? { ...env, BENCH_MEMORY_FILE: memoryFile('api') } : env,
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

/**
 * The worker (service/src/worker.ts, as the image runs it but through tsx) on the run's queue, so
 * that its memory is measured under the load POST /process_message puts on it. Its log goes to a file.
 */
async function startWorker(env: NodeJS.ProcessEnv, logFile: string): Promise<ChildProcess> {
  const port = await freePort();
  const log = openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', MEMORY_PROBE, join(ROOT, 'service', 'src', 'worker.ts')],
    {
      cwd: ROOT,
      env: { ...env, PORT: String(port), BENCH_MEMORY_FILE: memoryFile('worker') },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  children.push(child);
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null)
      throw new Error(`the worker exited with code ${child.exitCode}; see ${logFile}`);
    const up = await fetch(`http://127.0.0.1:${port}/healthz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (up) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the worker did not answer /healthz within 60 s; see ${logFile}`);
}

const children: ChildProcess[] = [];
const profiles: string[] = [];

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

/** Sends a command to a server process and waits for its answer carrying `field`. */
function ask<T>(server: RunningServer, command: string, field: string): Promise<T> {
  return new Promise((resolveAnswer, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${server.name} server did not answer ${command}`)),
      30_000,
    );
    const onMessage = (m: Record<string, unknown>) => {
      if (!(field in m)) return;
      clearTimeout(timer);
      server.child.off('message', onMessage);
      resolveAnswer(m[field] as T);
    };
    server.child.on('message', onMessage);
    server.child.send(command);
  });
}

/** The server process's CPU time so far (user + system, µs). */
const cpuOf = (server: RunningServer) => ask<number>(server, 'cpu', 'cpu');

function load(server: RunningServer, scenario: Scenario, seconds: number, label: string) {
  const base = scenario.request(label);
  const options: autocannon.Options = {
    // autocannon takes the path from the URL (a `path` option is overridden by it).
    url: `http://127.0.0.1:${server.port}${base.path}`,
    connections: settings.connections,
    duration: seconds,
    // The emulator-bound routes queue 64 connections behind a backend that answers ~100 req/s.
    timeout: 30,
  };
  if (scenario.dynamic) {
    options.requests = [{ ...base, setupRequest: (r) => ({ ...r, ...scenario.request(label) }) }];
  } else {
    Object.assign(options, base);
  }
  return autocannon(options);
}

/** The status check and the discarded warm-up of one server on one route. */
async function warmUp(server: RunningServer, scenario: Scenario): Promise<void> {
  await sendOnce(server, scenario, `${server.name}-check`);
  if (settings.warmupSeconds > 0) await load(server, scenario, settings.warmupSeconds, `${server.name}-warm`);
}

async function measure(server: RunningServer, scenario: Scenario, round: number): Promise<Measurement> {
  const profiling = server.name === profiled && round === 0;
  if (profiling) await ask(server, 'profile-start', 'profiling');
  const cpuBefore = await cpuOf(server);
  const r = await load(server, scenario, settings.durationSeconds, server.name);
  const cpuMicros = (await cpuOf(server)) - cpuBefore;
  if (profiling) {
    const file = join(
      STATE,
      'profiles',
      `${server.name}-${scenario.name.replace(/\W+/g, '-')}-${runId}.cpuprofile`,
    );
    await ask(server, `profile-stop ${file}`, 'profiled');
    profiles.push(
      `CPU profile of ${SERVER_LABELS[server.name]} during ${scenario.name}: ${file}\n${summariseProfile(file)}`,
    );
  }
  const failures = r.non2xx + r.errors; // autocannon counts a timeout as an error too
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
    cpuMicrosPerRequest: r.requests.total > 0 ? cpuMicros / r.requests.total : 0,
    failures,
  };
}

async function main(): Promise<void> {
  const scenarioFilter = listFromEnv('BENCH_SCENARIOS');
  const serverFilter = listFromEnv('BENCH_SERVERS');
  const scenarios = SCENARIOS.filter(
    (s) => !scenarioFilter || scenarioFilter.some((f) => s.name.toLowerCase().endsWith(f.toLowerCase())),
  );
  const servers = serverFilter ? SERVERS.filter((s) => serverFilter.includes(s)) : [...SERVERS];
  const complete = scenarios.length === SCENARIOS.length && servers.length === SERVERS.length;
  const output = resolve(
    ROOT,
    process.env.BENCH_OUTPUT ??
      (complete && settings.durationSeconds >= 5 ? 'bench/results/latest' : '.local/bench/last'),
  );
  mkdirSync(join(STATE, 'profiles'), { recursive: true });
  // Only the last run's access logs (a run writes tens of MB) and memory probes are kept.
  for (const f of readdirSync(STATE))
    if (/^(full-app-.*\.log|memory-.*\.json)$/.test(f)) rmSync(join(STATE, f));
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

  const runs: Measurement[] = [];
  let memory: ProcessMemory[];
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
      // As on EKS, where the app secret is set: the logger then scrubs its value from every line.
      SECRET_KEY: process.env.SECRET_KEY ?? randomBytes(24).toString('hex'),
      BENCH_LOG_FILE: logFile,
    };
    const [running, worker] = await Promise.all([
      Promise.all(servers.map((s) => startServer(s, env))),
      startWorker(env, logFile.replace(/\.log$/, '.worker.log')),
    ]);
    const full = running.find((s) => s.name === 'full');
    const watchers = [
      ...(full ? [watchMemory('api (full app)', full.child.pid, memoryFile('api'))] : []),
      watchMemory('worker', worker.pid, memoryFile('worker')),
    ];
    const seeder = running[0];
    const users = SCENARIOS.find((s) => s.name === 'POST /user');
    if (seeder && users) {
      for (let i = 0; i < seedUsers; i++) await sendOnce(seeder, users, 'seed');
    }

    // Every server is warmed up on every route before anything is measured, so that the first
    // measured run does not also pay for its server's JIT warm-up and heap growth.
    for (const scenario of scenarios) for (const server of running) await warmUp(server, scenario);
    for (let round = 0; round < settings.rounds; round++) {
      if (settings.rounds > 1) console.log(`round ${round + 1} of ${settings.rounds}`);
      for (const [i, scenario] of scenarios.entries()) {
        // Rotate the order so that no server is always measured first (or last) on a warmer emulator.
        const order = running.map((_, k) => running[(k + i + round) % running.length]);
        for (const server of order) {
          const m = await measure(server, scenario, round);
          runs.push(m);
          console.log(
            `  ${scenario.name.padEnd(22)} ${SERVER_LABELS[server.name].padEnd(16)} ${m.requestsPerSecond.toFixed(0).padStart(7)} req/s` +
              `  p50 ${m.p50Ms.toFixed(1)} ms  p99 ${m.p99Ms.toFixed(1)} ms  ${m.cpuMicrosPerRequest.toFixed(0)} µs CPU/req${m.failures ? `  FAILED ${m.failures}` : ''}`,
          );
        }
      }
    }
    for (const w of watchers) w.requestGc();
    await new Promise((r) => setTimeout(r, 1000));
    memory = watchers.map((w) => w.finish());
    await stopChildren();
    console.log(`bench: the access logs are ${logFile.replace(/\.log$/, '.<server>.log')}`);
  } finally {
    await cleanUp();
  }

  const rows = combineRounds(runs);
  const order: readonly ServerName[] = SERVERS;
  rows.sort(
    (a, b) =>
      SCENARIOS.findIndex((s) => s.name === a.scenario) - SCENARIOS.findIndex((s) => s.name === b.scenario) ||
      order.indexOf(a.server) - order.indexOf(b.server),
  );
  addRatios(rows);
  machine.loadAverage.end = loadAverage1m();
  console.log(`\n${textTable(rows)}\n`);
  if (memory.length > 0) console.log(`${memoryTextTable(memory)}\n`);
  const markdown = [markdownReport(rows, machine, settings), memoryMarkdown(memory)]
    .filter(Boolean)
    .join('\n');
  mkdirSync(dirname(output), { recursive: true });
  // Formatted like the repository's other JSON, so that `npm run lint` (prettier --check) passes.
  const json = JSON.stringify({ machine, settings, results: rows, memory });
  writeFileSync(
    `${output}.json`,
    await format(json, { ...(await resolveConfig(`${output}.json`)), parser: 'json' }),
  );
  writeFileSync(`${output}.md`, markdown);
  console.log(`bench: wrote ${output}.json and ${output}.md`);

  if (profiles.length > 0) console.log(`\n${profiles.join('\n\n')}`);
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
