/**
 * Reads the service's `/metrics` (Prometheus text format) the way a scraper would: metric families
 * with their TYPE, and samples with labels and values.
 */
import { call } from './http';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Scrape {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  /** metric family name -> TYPE (counter, gauge, histogram, summary, untyped) */
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Pick<Scrape, 'types' | 'samples'> {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = SAMPLE.exec(line.trim());
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL))
      labels[l[1]] = l[2].replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { types, samples };
}

export async function scrape(): Promise<Scrape> {
  const reply = await call('/metrics');
  if (reply.status !== 200)
    throw new Error(`GET /metrics answered ${reply.status}: ${reply.text.slice(0, 200)}`);
  return {
    status: reply.status,
    contentType: reply.contentType,
    text: reply.text,
    ...parseMetrics(reply.text),
  };
}

/**
 * The one family of the given TYPE whose name matches (a service may prefix its names, so
 * `/users_created/` finds `users_created_total` and `app_users_created_total`).
 */
export function family(s: Scrape, pattern: RegExp, type: string): string {
  const names = [...s.types].filter(([name, t]) => t === type && pattern.test(name)).map(([name]) => name);
  if (names.length !== 1) {
    throw new Error(
      `expected exactly one ${type} matching ${pattern} in /metrics, found ${JSON.stringify(names)}`,
    );
  }
  return names[0];
}

/** Sum of a counter family's samples (0 when it has none yet: an unlabelled counter not yet touched). */
export function counterTotal(s: Scrape, pattern: RegExp): number {
  const name = family(s, pattern, 'counter');
  const sampleName = name.endsWith('_total') ? name : `${name}_total`;
  return s.samples
    .filter((x) => x.name === name || x.name === sampleName)
    .reduce((sum, x) => sum + x.value, 0);
}

/** The counters API.md names, as a dashboard would look them up. */
export const COUNTERS = {
  usersCreated: /users_created/,
  avatarBytesStored: /avatar_bytes/,
  messagesEnqueued: /messages_enqueued/,
  messagesProcessed: /messages_processed/,
  messagesFailed: /messages_failed/,
  counterIncrements: /counter_increments/,
  dependencyErrors: /dependency_errors/,
} as const;

export async function counterValue(pattern: RegExp): Promise<number> {
  return counterTotal(await scrape(), pattern);
}
