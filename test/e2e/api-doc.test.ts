/**
 * The curl example of every operation in docs/API.md, run as a reader would run it (bash, curl,
 * `BASE` set to the api under test) against the running api: each one gets the answer its section
 * promises. The ids the examples use (`$ID`, `$MESSAGE_ID`) come from the examples' own answers.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { baseUrl, call } from './support/http';
import { png } from './support/images';
import { uniqueEmail } from './support/users';

const run = promisify(execFile);
const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'API.md'), 'utf8');

interface Example {
  readonly title: string;
  readonly line: string;
}

/** Each operation's heading and the curl line of its example block. */
const examples: Example[] = [
  ...doc.matchAll(/^### ([A-Z]+ \S+)\n[^#]*?```bash\n(curl -i [^\n]+)\n```/gm),
].map((m) => ({ title: m[1], line: m[2] }));

/** The status of a `curl -i` answer (its first line: `HTTP/1.1 201 Created`). */
async function statusOf(
  line: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number; out: string }> {
  const { stdout } = await run('bash', ['-c', line], {
    cwd,
    env: { ...process.env, BASE: baseUrl, ...env },
    timeout: 15_000,
    maxBuffer: 8 * 1024 * 1024,
  });
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(stdout)?.[1]);
  return { status, out: stdout };
}

const jsonOf = (out: string): Record<string, unknown> =>
  JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;

describe('docs/API.md examples', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-doc-'));
    fs.writeFileSync(path.join(dir, 'avatar.png'), png());
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('when every operation’s curl example is run against the api, then each gets a success answer', async () => {
    expect(examples).toHaveLength(doc.match(/^### [A-Z]+ \//gm)?.length ?? 0);
    expect(examples.map((e) => e.title)).toEqual(
      expect.arrayContaining(['POST /user', 'POST /process_message']),
    );
    const byTitle = new Map(examples.map((e) => [e.title, e.line]));
    const env: Record<string, string> = {};
    const results: Array<{ title: string; status: number }> = [];
    const example = async (title: string) => {
      const line = byTitle.get(title);
      if (!line) throw new Error(`docs/API.md has no example for ${title}`);
      // The example's address is the document's own; a fresh one keeps repeated runs apart.
      const { status, out } = await statusOf(line.replace('ada@example.com', uniqueEmail('doc')), dir, env);
      results.push({ title, status });
      return out;
    };

    env.ID = String(jsonOf(await example('POST /user')).id);
    env.MESSAGE_ID = String(jsonOf(await example('POST /process_message')).messageId);
    // The worker stores the message a moment later.
    for (let i = 0; i < 100 && (await call(`/messages/${env.MESSAGE_ID}`)).status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const ordered = ['POST /user', 'POST /process_message', 'DELETE /users/{id}'];
    for (const { title } of examples.filter((e) => !ordered.includes(e.title))) await example(title);
    await example('DELETE /users/{id}');

    expect(results.filter((r) => r.status < 200 || r.status > 299)).toEqual([]);
    expect(results.map((r) => r.title).sort()).toEqual(examples.map((e) => e.title).sort());
  });
});
