import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../../../../libraries/errors';
import { MAX_MESSAGE_BYTES } from '../../domain/messages';

/** An error in the messages API's own shape: `{"status":"error","message":…}`. */
export const messageError = (status: number, message: string) =>
  new AppError(status, { status: 'error', message });

const parseJson = express.json({ limit: MAX_MESSAGE_BYTES, strict: false, type: () => true });

/** Whether the request carries a body at all (a length of 0 counts as an empty body). */
const hasBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

/** Reads a JSON body into `req.body`: Content-Type first, then the body, each failure in the messages API's error shape. */
export function readJsonBody(req: Request, res: Response, next: NextFunction): void {
  if (!hasBody(req)) return next(messageError(400, 'No message received'));
  if (!req.is('application/json')) return next(messageError(415, 'Content-Type must be application/json'));
  parseJson(req, res, (err?: unknown) => {
    if (!err) return next();
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') return next(messageError(413, 'Message too large'));
    if (type === 'entity.parse.failed') return next(messageError(400, 'Malformed JSON'));
    if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
      return next(messageError(415, 'Content-Type must be application/json'));
    }
    // Anything else the client caused (an aborted or mis-sized body) still has this API's error shape.
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return next(messageError(400, 'Malformed request body'));
    }
    next(err);
  });
}
