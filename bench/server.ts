/**
 * One benchmarked server in its own process (so that it never shares an event loop with the load
 * generator): `full` (createApp, every middleware), `express` (a bare Express 5 app, no
 * middleware) or `node` (a node:http handler). All three build the same clients from the same
 * configuration and do the same backend calls. Started by bench.ts with an IPC channel: it sends
 * `{ port }` once listening and exits on `stop`, on SIGTERM/SIGINT or when the parent goes away.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { Session } from 'node:inspector';
import { dirname } from 'node:path';
import express, { type Request } from 'express';
import multer from 'multer';
import pino from 'pino';
import { createApp } from '../service/src/app';
import { createAwsClients } from '../service/src/libraries/aws';
import { loadConfig } from '../service/src/libraries/config';
import { type Logger, createLogger } from '../service/src/libraries/logger';
import { createMetrics } from '../service/src/libraries/metrics';
import { createRedis, resolveRedisConnection } from '../service/src/libraries/redis';
import { type BackendOperations, backendOperations, parseMultipart } from './lib/handlers';
import { SERVERS, type ServerName } from './lib/report';

const MAX_JSON_BYTES = 256 * 1024;

/** The minimal app: one handler per route and the body parsers an Express app needs anyway. */
function minimalExpress(ops: BackendOperations) {
  const app = express();
  const upload = multer({ storage: multer.memoryStorage() }).single('avatar');
  app.get('/read', async (_req, res) => void res.json(await ops.read()));
  app.post('/write', async (_req, res) => void res.json(await ops.write()));
  app.get('/users', async (_req, res) => void res.json(await ops.listUsers()));
  app.post('/user', upload, async (req: Request, res) => {
    const fields = (req.body ?? {}) as Record<string, string | undefined>;
    const { file } = req;
    const created = await ops.createUser({
      name: fields.name,
      email: fields.email,
      fileName: file?.originalname,
      bytes: file?.buffer,
    });
    res.status(201).json(created);
  });
  app.post('/process_message', express.json({ limit: MAX_JSON_BYTES }), async (req, res) => {
    res.json(await ops.processMessage(req.body as object));
  });
  return app;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function bareNode(ops: BackendOperations) {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const route = `${req.method} ${req.url}`;
    switch (route) {
      case 'GET /read':
        return send(res, 200, await ops.read());
      case 'POST /write':
        return send(res, 200, await ops.write());
      case 'GET /users':
        return send(res, 200, await ops.listUsers());
      case 'POST /user': {
        const form = parseMultipart(await readBody(req), req.headers['content-type'] ?? '');
        return send(res, 201, await ops.createUser(form));
      }
      case 'POST /process_message': {
        const payload = JSON.parse((await readBody(req)).toString('utf8')) as object;
        return send(res, 200, await ops.processMessage(payload));
      }
      default:
        return send(res, 404, { error: 'Not Found' });
    }
  };
  return createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: 'Internal Server Error' }));
  });
}

/** A V8 CPU profile of the measured run only (not of start-up), through the inspector. */
function cpuProfiler() {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((done, fail) =>
      session.post(method, params, (err, result) => (err ? fail(err) : done(result))),
    );
  return {
    async start() {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
    },
    async stop(file: string) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
    },
  };
}
const profiler = cpuProfiler();

async function main(kind: ServerName): Promise<void> {
  const config = loadConfig(process.env, 'api');
  // The full app logs at info level like in production, to a file (a terminal would distort it);
  // the baselines log nothing, they have no logging to measure.
  const logFile = process.env.BENCH_LOG_FILE;
  const logger: Logger =
    kind === 'full'
      ? createLogger({
          level: config.logLevel,
          secretValues: Object.values(config.secrets),
          base: { service: 'api', version: config.appVersion },
          destination: pino.destination({
            dest: logFile ? logFile.replace(/\.log$/, `.${kind}.log`) : '/dev/null',
            sync: false,
            mkdir: true,
          }),
        })
      : createLogger({ level: 'silent' });
  const aws = createAwsClients({ region: config.region, endpoint: config.endpoint });
  const redis = createRedis(await resolveRedisConnection(config.redis, aws), logger);
  await redis.connect();
  const ops = backendOperations({ config, aws, redis, logger });

  let server: Server;
  if (kind === 'full') {
    server = createServer(createApp({ config, logger, aws, redis, metrics: createMetrics() }));
  } else if (kind === 'express') {
    server = createServer(minimalExpress(ops));
  } else {
    server = bareNode(ops);
  }
  // The same server settings as server.ts, for all three.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    redis.disconnect();
    aws.destroy();
    logger.flush();
    // A short delay lets pino's asynchronous destination drain.
    setTimeout(() => process.exit(0), 200);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.on('message', (m) => {
    if (m === 'stop') stop();
    // CPU time of this process (user + system, µs): the bench divides its growth by the requests.
    if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpu: user + system });
    }
    if (m === 'profile-start') void profiler.start().then(() => process.send?.({ profiling: true }));
    if (typeof m === 'string' && m.startsWith('profile-stop ')) {
      const file = m.slice('profile-stop '.length);
      void profiler.stop(file).then(() => process.send?.({ profiled: file }));
    }
  });

  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.send?.({ port });
  });
}

const kind = process.argv[2] as ServerName;
if (!SERVERS.includes(kind)) {
  process.stderr.write(`usage: server.ts ${SERVERS.join('|')}\n`);
  process.exit(2);
}
main(kind).catch((err: unknown) => {
  process.stderr.write(`bench server ${kind} failed to start: ${String(err)}\n`);
  process.exit(1);
});
