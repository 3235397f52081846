import { type Proc, httpStatus, run } from './process';
import { freePort, waitFor } from './redis-server';

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
