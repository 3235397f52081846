import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { AppError } from '../../../../libraries/errors';
import { MAX_NAME_LENGTH } from './schemas';

const MAX_TEXT_FIELD_BYTES = 8 * 1024;

/**
 * Reads the multipart form of `POST /user` into `req.body` (its text fields) and `req.file` (the
 * avatar), in memory and bounded, with each of multer's and busboy's errors turned into the
 * contract's answer.
 */
export function avatarUpload(maxBytes: number): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    // File names are UTF-8 in every current browser; busboy's default would read them as latin1.
    defParamCharset: 'utf8',
    limits: {
      fileSize: maxBytes,
      // Two, so that a second file reaches `.single('avatar')` and is named in the error (a second
      // avatar, or an unknown file field); it is rejected as it starts, before it is buffered.
      files: 2,
      fields: 10,
      parts: 11,
      fieldSize: MAX_TEXT_FIELD_BYTES,
      fieldNameSize: 100,
      headerPairs: 50,
    },
  }).single('avatar');
  return (req: Request, res: Response, next: NextFunction) => {
    upload(req, res, (err?: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        const field = String(err.field ?? '').slice(0, 100);
        switch (err.code) {
          case 'LIMIT_FILE_SIZE':
            return next(new AppError(413, { error: 'Avatar too large' }));
          case 'LIMIT_FILE_COUNT':
            return next(AppError.badRequest('Only one avatar file is allowed'));
          case 'LIMIT_UNEXPECTED_FILE':
            return next(
              AppError.badRequest(
                field === 'avatar' ? 'Only one avatar file is allowed' : `Unexpected file field: ${field}`,
              ),
            );
          case 'LIMIT_FIELD_VALUE':
            return next(
              AppError.badRequest(
                field === 'name'
                  ? `Name must be at most ${MAX_NAME_LENGTH} characters`
                  : `Field too long: ${field}`,
              ),
            );
          case 'LIMIT_FIELD_COUNT':
          case 'LIMIT_PART_COUNT':
            return next(AppError.badRequest('Too many form fields'));
          default:
            return next(AppError.badRequest(`Invalid form data: ${err.message}`));
        }
      }
      // busboy: truncated or malformed multipart body
      return next(AppError.badRequest('Malformed multipart/form-data body'));
    });
  };
}
