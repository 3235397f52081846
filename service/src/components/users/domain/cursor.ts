/**
 * A page's cursor is the id of the last user it returned (the API validates its format); the
 * listing resumes after that user's row. Any id is a valid place to resume from: DynamoDB orders a
 * scan by key, whether or not the row still exists.
 */
export type CursorKey = Record<'pk', string>;

export const cursorAfter = (lastUserId: string): string => lastUserId;

export const startKeyOf = (cursor: string): CursorKey => ({ pk: `USER#${cursor}` });
