import { Writable } from 'node:stream';
import { createLogger } from '../../service/src/libraries/logger';

function capture(secretValues: string[]) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', secretValues, destination }), lines };
}

describe('logger redaction', () => {
  test('when a log call carries authorization headers, tokens or password fields, then their values are redacted', () => {
    const { logger, lines } = capture([]);
    logger.info(
      {
        headers: { authorization: 'Bearer abc.def.ghi' },
        auth: { token: 'tok-123456' },
        db: { password: 'pw-98765' },
      },
      'x',
    );
    logger.info({ req: { headers: { authorization: 'Basic dXNlcjpwYXNz', cookie: 'session=s3cr3t' } } }, 'y');
    const out = lines.join('');
    for (const secret of ['abc.def.ghi', 'tok-123456', 'pw-98765', 'dXNlcjpwYXNz', 's3cr3t'])
      expect(out).not.toContain(secret);
    expect(out).toContain('[Redacted]');
  });

  test('when a configured secret value appears anywhere in a line (an error message, a nested field), then it is replaced', () => {
    const { logger, lines } = capture(['sk-"quoted"-value', 'redis-pass-42']);
    logger.error({ err: new Error('connect failed with password redis-pass-42') }, 'failure');
    logger.warn({ detail: { anything: 'the key is sk-"quoted"-value' } }, 'oops sk-"quoted"-value');
    const out = lines.join('');
    expect(out).not.toContain('redis-pass-42');
    expect(out).not.toContain('quoted');
    expect(out.match(/\[Redacted\]/g)?.length).toBeGreaterThanOrEqual(3);
    expect(lines.every((l) => JSON.parse(l))).toBe(true);
  });
});
