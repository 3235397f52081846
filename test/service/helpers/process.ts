import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';

const ROOT = `${__dirname}/../../..`;

export interface Proc {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exit: Promise<number | null>;
}

/** Runs service/src/<entry>.ts as its own Node process (through tsx), as the container would run dist/<entry>.js. */
export function run(entry: 'server' | 'worker', env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', `service/src/${entry}.ts`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

/** Status of a GET on loopback, 0 when the connection fails. */
export const httpStatus = (port: number, path: string) =>
  new Promise<number>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
