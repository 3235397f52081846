/**
 * The e2e tests' only way into the service: plain HTTP with Node's global fetch against the
 * running local environment (`npm run local`), at E2E_BASE_URL (default http://127.0.0.1:8080).
 * An unreachable API is a failure with a message saying so, never a skip.
 */
export const baseUrl = (process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');

/** A response read to the end: status, headers, raw bytes, text and (for JSON) the parsed body. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly contentType: string;
  readonly bytes: Buffer;
  readonly text: string;
  /** The parsed JSON body, or undefined when the response is not JSON. */
  readonly body: unknown;
}

/** `path` is root-relative (`/users`) or an absolute URL (an `avatar_url`). */
export function urlOf(path: string): string {
  return /^https?:\/\//.test(path) ? path : `${baseUrl}${path.startsWith('/') ? '' : '/'}${path}`;
}

export async function call(path: string, init: RequestInit = {}): Promise<Reply> {
  const url = urlOf(path);
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    const cause =
      err instanceof Error ? `${err.message} (${String((err as { cause?: unknown }).cause)})` : String(err);
    throw new Error(
      `${init.method ?? 'GET'} ${url}: the API is not reachable at ${baseUrl} (start it with npm run local): ${cause}`,
      { cause: err },
    );
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  const contentType = res.headers.get('content-type') ?? '';
  let body: unknown;
  if (/\bjson\b/i.test(contentType) && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(
        `${init.method ?? 'GET'} ${url}: ${res.status} with a ${contentType} body that is not JSON: ${text}`,
      );
    }
  }
  return { status: res.status, headers: res.headers, contentType, bytes, text, body };
}

export const get = (path: string, headers?: Record<string, string>) => call(path, { headers });

/** POST a JSON text as is (so that tests control the exact bytes and Content-Type). */
export const postRaw = (path: string, text: string | Uint8Array, contentType?: string) =>
  call(path, { method: 'POST', body: text, headers: contentType ? { 'Content-Type': contentType } : {} });

/** The media type without parameters, lowercase: `application/json; charset=utf-8` -> `application/json`. */
export const mediaType = (reply: Reply): string => reply.contentType.split(';')[0].trim().toLowerCase();

/**
 * Asserts status and JSON body in one comparison (so a failure shows both), and a JSON
 * Content-Type. `body` may use jest asymmetric matchers.
 */
export function expectJson(reply: Reply, status: number, body: unknown): void {
  expect({ status: reply.status, body: reply.body ?? reply.text }).toEqual({ status, body });
  expect(mediaType(reply)).toBe('application/json');
}

/** The methods of an `Allow` header, uppercase. */
export function allowOf(reply: Reply): string[] {
  return (reply.headers.get('allow') ?? '')
    .split(',')
    .map((m) => m.trim().toUpperCase())
    .filter(Boolean);
}

/** A value no other run uses, for emails, names and request ids. */
export const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let sequence = 0;
export const unique = (tag: string): string => `${tag}-${runId}-${++sequence}`;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ISO 8601 date-time with a time zone, as `Date.prototype.toISOString` and most servers write it. */
export const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

export function expectIsoTimestamp(value: unknown): void {
  expect(value).toEqual(expect.stringMatching(ISO_8601));
  expect(Number.isNaN(Date.parse(String(value)))).toBe(false);
}

/** Poll `probe` every `intervalMs` until it returns a value, for at most `attempts` tries. */
export async function poll<T>(
  probe: () => Promise<T | undefined>,
  attempts = 60,
  intervalMs = 250,
): Promise<T | undefined> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return undefined;
}
