/** A dependency check: resolves when the dependency answers, rejects otherwise. */
export type Probe = (signal: AbortSignal) => Promise<void>;

export type CheckResult = 'ok' | 'unavailable';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Record<string, CheckResult>;
  /** Why each failed check failed (for the log, never for the response). */
  readonly failures: Record<string, string>;
}

/** Tells whether the process is shutting down (readiness then fails without calling anything). */
export interface Lifecycle {
  shuttingDown: boolean;
}

export const createLifecycle = (): Lifecycle => ({ shuttingDown: false });

async function runProbe(probe: Probe, timeoutMs: number): Promise<string | undefined> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error('timed out'));
    }, timeoutMs);
  });
  try {
    await Promise.race([probe(controller.signal), timeout]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every probe in parallel, each within `timeoutMs`. */
export async function checkReadiness(probes: Record<string, Probe>, timeoutMs: number): Promise<Readiness> {
  const names = Object.keys(probes);
  const errors = await Promise.all(names.map((name) => runProbe(probes[name], timeoutMs)));
  const checks = Object.fromEntries(
    names.map((name, i): [string, CheckResult] => [name, errors[i] === undefined ? 'ok' : 'unavailable']),
  );
  const failures = Object.fromEntries(
    names.flatMap((name, i) => (errors[i] === undefined ? [] : [[name, errors[i]]])),
  );
  return { ready: errors.every((e) => e === undefined), checks, failures };
}
