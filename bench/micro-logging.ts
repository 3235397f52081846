/**
 * `npx tsx bench/micro-logging.ts`: what each piece of the full app's per-request context costs,
 * measured in a loop in one process (no HTTP): the request id, the child logger, the access-log
 * line (as requestContext writes it) with the service's logger (path redaction + secret scrub) and
 * without, the histogram.
 * Evidence for docs/BENCHMARKS.md; figures move with the machine's load, compare them side by side.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import pino from 'pino';
import { createLogger } from '../service/src/libraries/logger';
import { createMetrics } from '../service/src/libraries/metrics';

const ITERATIONS = Number(process.env.MICRO_ITERATIONS ?? 100_000);

function time(name: string, fn: () => void): void {
  for (let i = 0; i < ITERATIONS / 5; i++) fn(); // warm-up: let V8 optimise first
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) fn();
  const micros = Number(process.hrtime.bigint() - start) / ITERATIONS / 1000;
  console.log(`${micros.toFixed(2).padStart(7)} µs  ${name}`);
}

const destination = pino.destination({ dest: '/dev/null', sync: false });
const secretValues = [randomUUID().replace(/-/g, '')]; // a SECRET_KEY is set on EKS
const service = createLogger({ level: 'info', secretValues, base: { service: 'api' }, destination });
const serviceAtWarn = createLogger({ level: 'warn', secretValues, base: { service: 'api' }, destination });
// A child may override its parent's redact paths: same formatters and scrub hook, no path redaction.
const withoutPathRedaction = service.child({}, { redact: [] });
const plain = pino({ level: 'info', base: { service: 'api' } }, destination);
const metrics = createMetrics({ defaultMetrics: false });
const access = {
  requestId: randomUUID(),
  method: 'POST',
  route: '/write',
  path: '/write',
  status: 200,
  durationMs: 1.2,
};

async function main(): Promise<void> {
  await once(destination, 'ready');
  console.log(`per call, mean of ${ITERATIONS}:`);
  time('randomUUID() (request id)', () => randomUUID());
  time('child logger, service logger (built only when a handler logs)', () =>
    service.child({ requestId: 'id' }),
  );
  time('child logger, plain pino', () => plain.child({ requestId: 'id' }));
  time('access line, service logger (info)', () => service.info(access, 'request completed'));
  time('access line, service logger without path redaction', () =>
    withoutPathRedaction.info(access, 'request completed'),
  );
  time('access line, plain pino', () => plain.info(access, 'request completed'));
  time('access line below the level (warn)', () => serviceAtWarn.info(access, 'request completed'));
  time('histogram observe (method, route, status)', () =>
    metrics.httpDuration.observe({ method: 'POST', route: '/write', status_code: 200 }, 0.001),
  );
}

void main().then(() => setTimeout(() => process.exit(0), 100));
