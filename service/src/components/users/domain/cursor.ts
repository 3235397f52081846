import { z } from 'zod';
import { AppError } from '../../../libraries/errors';

/** The DynamoDB key a listing resumes after; opaque to clients (base64url JSON). */
const CursorKey = z.object({ pk: z.string().regex(/^USER#[0-9a-f-]{36}$/) }).strict();
export type CursorKey = z.infer<typeof CursorKey>;

export const encodeCursor = (key: CursorKey): string =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

export function decodeCursor(cursor: string): CursorKey {
  try {
    if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw new Error('not base64url');
    return CursorKey.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw AppError.badRequest('Invalid cursor');
  }
}
