import type { Server, ServerResponse } from 'node:http';
import closeWithGrace from 'close-with-grace';
import type { Logger } from '../logger';

/**
 * The one process lifecycle of the api and the worker: what SIGTERM (or SIGINT) does, in order.
 *
 * 1. At once: `state.shuttingDown` turns readiness to 503, every response of `http.server` from then
 *    on carries `Connection: close` (and so do the responses in flight that have not started), and
 *    `stopWork` begins (the worker stops polling and finishes the messages in hand).
 * 2. For `http.drainDelayMs` the server keeps accepting and answering, so that load balancers see
 *    readiness fail and keep-alive clients move to another instance on their own. Closing idle
 *    sockets at once instead races clients that are just reusing one (ECONNRESET).
 * 3. Once the delay is over and `stopWork` has finished: the listener closes, in-flight requests
 *    finish, keep-alive sockets are closed as soon as they are idle.
 * 4. `cleanup` (Redis quit, the SDK clients), a last log line, exit 0.
 *
 * If all of it takes longer than `timeoutMs - 500` (SHUTDOWN_TIMEOUT_MS), every connection is
 * destroyed and the process exits 1. A second signal exits 1 at once. An uncaught exception runs the
 * same shutdown and exits 1.
 *
 * Signals, the timer and the exit codes come from close-with-grace; the HTTP part is the drain below,
 * on Node's own `server.close()` and `closeIdleConnections()` (http-terminator, stoppable,
 * @godaddy/terminus and http-graceful-shutdown all close or destroy idle sockets the moment shutdown
 * starts and offer no phase that keeps serving with `Connection: close`).
 */
export interface ShutdownState {
  shuttingDown: boolean;
}

export interface ProcessLifecycleOptions {
  readonly logger: Logger;
  /** SHUTDOWN_TIMEOUT_MS: the whole shutdown must end within it (less a 500 ms margin for the exit). */
  readonly timeoutMs: number;
  /** Shared with readiness: set at the signal. */
  readonly state: ShutdownState;
  /** The HTTP server to drain, and how long it keeps answering before it stops accepting (0: at once). */
  readonly http?: { readonly server: Server; readonly drainDelayMs: number };
  /** Background work to stop at the signal (in parallel with the drain delay); the server closes after it. */
  readonly stopWork?: () => Promise<void>;
  /** Last, after the server has closed: quit clients. */
  readonly cleanup?: () => Promise<void>;
}

export interface ProcessLifecycle {
  /** Runs the shutdown as if SIGTERM had arrived (the process exits at the end). */
  shutdown(): void;
}

/** Margin between the forced exit and SHUTDOWN_TIMEOUT_MS, for the exit itself. */
const EXIT_MARGIN_MS = 500;

/** How often keep-alive sockets are closed once they become idle, after the listener has closed. */
const IDLE_SWEEP_MS = 100;

export interface HttpDrain {
  /** From now on every response carries `Connection: close`, the ones in flight included if they have not started. */
  startDraining(): void;
  /** Stops accepting; resolves once every connection has ended (in-flight requests finish first). */
  close(): Promise<void>;
  /** Destroys every connection (the timeout ran out). */
  destroy(): void;
}

/** The drain of one HTTP server; install it before the server receives requests. */
export function httpDrain(server: Server): HttpDrain {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const forget = function (this: ServerResponse) {
    inFlight.delete(this);
  };
  // Before the app's own listener, so that the header is set before any handler can answer.
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining) {
      res.setHeader('Connection', 'close');
      return;
    }
    inFlight.add(res);
    res.once('close', forget);
  });
  return {
    startDraining() {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      inFlight.clear();
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
        server.close((err) => {
          clearInterval(sweep);
          // Not listening (it never started): nothing to drain.
          if (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      });
    },
    destroy() {
      server.closeAllConnections();
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Installs the signal handling of a process (see the module comment). Call it once, early: SIGTERM
 * before then gets Node's default (exit at once).
 */
export function installProcessLifecycle(options: ProcessLifecycleOptions): ProcessLifecycle {
  const { logger, timeoutMs, state } = options;
  const drain = options.http ? httpDrain(options.http.server) : undefined;
  const drainDelayMs = options.http?.drainDelayMs ?? 0;

  const flushAndLog = (level: 'error' | 'fatal', fields: object, message: string) => {
    logger[level](fields, message);
    logger.flush();
  };

  const { close } = closeWithGrace(
    {
      delay: timeoutMs - EXIT_MARGIN_MS,
      logger: false,
      // SIGTERM and SIGINT only (not the fatal signals, which JavaScript cannot handle safely), and
      // not unhandledRejection, which the process logs and survives.
      skip: [
        'SIGHUP',
        'SIGQUIT',
        'SIGILL',
        'SIGTRAP',
        'SIGABRT',
        'SIGBUS',
        'SIGFPE',
        'SIGSEGV',
        'SIGUSR2',
        'unhandledRejection',
        'beforeExit',
      ],
      onSecondSignal: (signal) => flushAndLog('error', { signal }, 'second signal during shutdown; exiting'),
      onSecondError: (err) => flushAndLog('fatal', { err }, 'uncaught exception during shutdown; exiting'),
      onTimeout: (delay) => {
        drain?.destroy();
        flushAndLog('error', { timeoutMs: delay }, 'drain timed out; exiting');
      },
    },
    async ({ signal, err, manual }) => {
      state.shuttingDown = true;
      drain?.startDraining();
      const started = Date.now();
      if (err) logger.fatal({ err }, 'uncaught exception: shutting down');
      logger.info(
        { signal: signal ?? (manual ? 'manual' : undefined), drainDelayMs, timeoutMs },
        'shutting down: draining in-flight requests',
      );
      try {
        await Promise.all([
          options.stopWork?.(),
          drain &&
            sleep(drainDelayMs).then(() => {
              logger.info({ afterMs: Date.now() - started }, 'drain delay over: closing the listener');
            }),
        ]);
        await drain?.close();
        await options.cleanup?.();
      } catch (failure) {
        // close-with-grace exits 1 when this rejects.
        flushAndLog('error', { err: failure }, 'shutdown failed; exiting');
        throw failure;
      }
      logger.info({ afterMs: Date.now() - started }, 'stopped');
      logger.flush();
    },
  );

  return { shutdown: close };
}
