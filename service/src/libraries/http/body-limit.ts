import type { Request, RequestHandler } from 'express';
import { AppError } from '../errors';

/** The body limit of every route that does not parse a body of its own. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * After a 413 the rest of the body is read and dropped, so that a client still sending sees the
 * answer rather than a connection reset (closing a socket with unread data resets it), and the
 * connection stays usable. Past this many bytes or this long, the connection is closed instead.
 */
const DISCARD_MAX_BYTES = 1024 * 1024;
const DISCARD_MAX_MS = 5000;

const tooLarge = (): AppError => new AppError(413, { error: 'Payload Too Large' });

/** Reads and drops the rest of a rejected body, within the bounds above. */
function discardRest(req: Request, alreadyRead: number): void {
  let discarded = alreadyRead;
  const giveUp = () => req.socket.destroy();
  const timer = setTimeout(giveUp, DISCARD_MAX_MS);
  timer.unref();
  const done = () => clearTimeout(timer);
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_MAX_BYTES) giveUp();
  });
  req.once('end', done);
  req.once('close', done);
  req.resume();
}

/**
 * A body limit for routes that do not read their body: a declared `Content-Length` above `maxBytes`
 * is answered 413 at once, before anything is read; a chunked body is counted as it arrives (and
 * dropped) and answered 413 as soon as it passes `maxBytes`. A body within the limit is read and
 * dropped before the route runs.
 */
export function limitBody(maxBytes: number = DEFAULT_BODY_LIMIT_BYTES): RequestHandler {
  return (req, _res, next) => {
    const declared = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (!chunked && (declared === undefined || declared === '0')) return next();
    if (declared !== undefined && Number(declared) > maxBytes) {
      discardRest(req, 0);
      return next(tooLarge());
    }
    let seen = 0;
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen <= maxBytes) return;
      settle();
      discardRest(req, seen);
      next(tooLarge());
    };
    const onEnd = () => {
      settle();
      next();
    };
    const onError = (err: unknown) => {
      settle();
      next(err);
    };
    const settle = () => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
  };
}
