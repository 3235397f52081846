/**
 * Messages (API.md "Messages"): POST /process_message sends to the real SQS queue of the local
 * stack, the real worker stores the message in DynamoDB, GET /messages/<id> reads it back.
 * Every 4xx leaves messages_enqueued_total unchanged (this is the only e2e file that enqueues).
 */
import { randomUUID } from 'crypto';
import { expectIsoTimestamp, expectJson, get, poll, postRaw, type Reply, unique } from './support/http';
import { COUNTERS, counterValue } from './support/metrics';

const SQS_MAX_BYTES = 256 * 1024;
const JSON_TYPE = 'application/json';

interface Stored {
  readonly id: string;
  readonly content: string;
  readonly received_at: string;
}

/** Polls GET /messages/<id> until the worker has stored it (at most ~15 s), then returns it. */
async function storedMessage(id: string): Promise<Reply> {
  let last: Reply | undefined;
  const found = await poll(async () => {
    last = await get(`/messages/${encodeURIComponent(id)}`);
    if (last.status === 404) return undefined;
    return last;
  }, 60);
  if (!found)
    throw new Error(
      `GET /messages/${id} still ${last?.status} ${last?.text} after ~15 s: the worker did not store it`,
    );
  return found;
}

/** Sends `text` as is and checks the 200 answer; returns the SQS MessageId. */
async function send(text: string, compact: string, contentType = JSON_TYPE): Promise<string> {
  const reply = await postRaw('/process_message', text, contentType);
  expectJson(reply, 200, { status: 'success', data: compact, messageId: expect.any(String) });
  const { messageId } = reply.body as { messageId: string };
  expect(messageId.length).toBeGreaterThan(0);
  return messageId;
}

async function expectStored(messageId: string, compact: string): Promise<void> {
  const reply = await storedMessage(messageId);
  expectJson(reply, 200, { id: messageId, content: compact, received_at: expect.any(String) });
  expectIsoTimestamp((reply.body as Stored).received_at);
}

describe('POST /process_message then GET /messages/<id>: the worker stores what was sent', () => {
  test('when a pretty-printed JSON object is posted, then 200 with its compact JSON and the worker stores exactly that', async () => {
    const message = {
      hello: 'world',
      run: unique('msg'),
      n: 42,
      nested: { list: [1, 2, { deep: true }], text: 'héllo ✓' },
    };
    const compact = JSON.stringify(message);
    const id = await send(JSON.stringify(message, null, 2), compact);
    await expectStored(id, compact);
    expect(JSON.parse((await get(`/messages/${id}`)).text).content).toBe(compact);
  });

  test('when a JSON array is posted, then 200 with its compact JSON and the worker stores exactly that', async () => {
    const message = [unique('arr'), 1, { a: 'b' }, [null, false]];
    const compact = JSON.stringify(message);
    const id = await send(` ${JSON.stringify(message, null, 1)}\n`, compact);
    await expectStored(id, compact);
  });

  test('when the Content-Type is application/json; charset=utf-8, then the message is accepted and stored', async () => {
    const compact = JSON.stringify({ charset: 'utf-8', run: unique('charset') });
    const id = await send(compact, compact, 'application/json; charset=utf-8');
    await expectStored(id, compact);
  });

  test('when the body is exactly 256 KiB, then it is accepted and stored whole', async () => {
    const prefix = `{"run":"${unique('max')}","pad":"`;
    const compact = `${prefix}${'x'.repeat(SQS_MAX_BYTES - prefix.length - 2)}"}`;
    expect(Buffer.byteLength(compact)).toBe(SQS_MAX_BYTES);
    const id = await send(compact, compact);
    await expectStored(id, compact);
  });

  test('when two identical bodies are posted, then they get two message ids and both are stored', async () => {
    const compact = JSON.stringify({ twice: unique('twice') });
    const [a, b] = [await send(compact, compact), await send(compact, compact)];
    expect(a).not.toBe(b);
    await expectStored(a, compact);
    await expectStored(b, compact);
  });

  test('when a message is posted, then messages_enqueued_total in /metrics increases', async () => {
    const before = await counterValue(COUNTERS.messagesEnqueued);
    const compact = JSON.stringify({ metrics: unique('metrics') });
    await send(compact, compact);
    expect(await counterValue(COUNTERS.messagesEnqueued)).toBeGreaterThanOrEqual(before + 1);
  });
});

describe('POST /process_message rejects what it cannot send, and enqueues nothing', () => {
  const big = (bytes: number) => `{"pad":"${'y'.repeat(bytes - 10)}"}`;

  test.each<[string, string | Uint8Array, string | undefined, number, string]>([
    ['the body is empty', '', JSON_TYPE, 400, 'No message received'],
    ['the body is {}', '{}', JSON_TYPE, 400, 'No message received'],
    ['the body is { } with whitespace', ' { } ', JSON_TYPE, 400, 'No message received'],
    ['the JSON is truncated', '{"a":', JSON_TYPE, 400, 'Malformed JSON'],
    ['the JSON uses single quotes', "{'a': 1}", JSON_TYPE, 400, 'Malformed JSON'],
    ['the body is not JSON at all', 'hello', JSON_TYPE, 400, 'Malformed JSON'],
    ['the Content-Type is text/plain', '{"a":1}', 'text/plain', 415, 'Content-Type must be application/json'],
    [
      'the Content-Type is a form',
      'a=1',
      'application/x-www-form-urlencoded',
      415,
      'Content-Type must be application/json',
    ],
    [
      'there is no Content-Type',
      new TextEncoder().encode('{"a":1}'),
      undefined,
      415,
      'Content-Type must be application/json',
    ],
    ['the body is 256 KiB + 1 byte', big(SQS_MAX_BYTES + 1), JSON_TYPE, 413, 'Message too large'],
    ['the body is 1 MiB', big(1024 * 1024), JSON_TYPE, 413, 'Message too large'],
  ])('when %s, then %d with the contract message', async (_when, body, contentType, status, message) => {
    if (typeof body === 'string' && body.startsWith('{"pad"'))
      expect(Buffer.byteLength(body)).toBeGreaterThan(SQS_MAX_BYTES);
    const before = await counterValue(COUNTERS.messagesEnqueued);
    const reply = await postRaw('/process_message', body, contentType);
    expectJson(reply, status, { status: 'error', message });
    expect(await counterValue(COUNTERS.messagesEnqueued)).toBe(before);
  });
});

describe('GET /messages/<id> of a message that was never sent', () => {
  test('when the id is unknown, then 404 {"error":"Message not found"}', async () => {
    expectJson(await get(`/messages/${randomUUID()}`), 404, { error: 'Message not found' });
  });
});
