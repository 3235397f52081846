import { type Backends, createBackends } from './backends';
import { type Proc, httpStatus, run } from './process';
import { RedisServer, freePort, waitFor } from './redis-server';

/** A started api or worker process of the service, on its own free port. */
export interface ServiceProc {
  readonly port: number;
  readonly proc: Proc;
  /** SIGKILL (if it still runs) and wait for the exit. */
  kill(): Promise<void>;
}

async function start(
  entry: 'server' | 'worker',
  env: Record<string, string>,
  readyPath: string,
): Promise<ServiceProc> {
  const port = await freePort();
  const proc = run(entry, { LOG_LEVEL: 'warn', ...env, PORT: String(port) });
  const kill = async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    await proc.exit;
  };
  try {
    // tsx compiles the sources on start: on 2 busy cores that can take several seconds.
    await waitFor(async () => (await httpStatus(port, readyPath)) === 200, `${entry} ready`, 600);
  } catch (err) {
    await kill();
    throw new Error(`${(err as Error).message}; its output:\n${proc.output().slice(-2000)}`, { cause: err });
  }
  return { port, proc, kill };
}

/** The api (service/src/server.ts), once /readyz answers 200. */
export const startApi = (env: Record<string, string>) => start('server', env, '/readyz');

/** The worker (service/src/worker.ts), once its /healthz answers 200. */
export const startWorker = (env: Record<string, string>) => start('worker', env, '/healthz');

/** What the load and fault tests share: their own tables, queue and bucket, a private Redis, and the processes they start. */
export interface ServiceFixture {
  readonly backends: Backends;
  readonly redis: RedisServer;
  /** The backends' environment with REDIS_URL of the private Redis. */
  readonly env: Record<string, string>;
  /** Start the api / the worker on `env` plus `extra`; afterAll kills every process started here. */
  startApi(extra?: Record<string, string>): Promise<ServiceProc>;
  startWorker(extra?: Record<string, string>): Promise<ServiceProc>;
}

/** Registers beforeAll/afterAll for a describe block: backends named `<prefix>-…`, a private redis-server. */
export function useServiceFixture(
  prefix: string,
  backendOptions?: Parameters<typeof createBackends>[1],
): ServiceFixture {
  let backends: Backends | undefined;
  let redis: RedisServer | undefined;
  const procs: ServiceProc[] = [];
  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not set up yet (use it inside a test)`);
    return value;
  };
  beforeAll(async () => {
    backends = await createBackends(prefix, backendOptions);
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    for (const p of procs.reverse()) await p.kill();
    await redis?.stop();
    await backends?.destroy();
  });
  const fixture: ServiceFixture = {
    get backends() {
      return required(backends, 'backends');
    },
    get redis() {
      return required(redis, 'redis');
    },
    get env() {
      return { ...fixture.backends.env, REDIS_URL: fixture.redis.url };
    },
    async startApi(extra = {}) {
      const p = await startApi({ ...fixture.env, ...extra });
      procs.push(p);
      return p;
    },
    async startWorker(extra = {}) {
      const p = await startWorker({ ...fixture.env, ...extra });
      procs.push(p);
      return p;
    },
  };
  return fixture;
}
