/**
 * Users as a client of the API sees them: multipart forms for POST /user, the paged listing,
 * and the ids this run created (deleted again after the tests).
 */
import type { User } from '../../../service/src/components/users/domain/users';
import { call, expectJson, type Reply, unique, UUID } from './http';

export type { User };

export interface FilePart {
  readonly field?: string; // default `avatar`
  readonly bytes: Uint8Array;
  readonly filename: string;
  readonly type?: string;
}

/** `e2e-<tag>-<run>-<n>@example.com`: unique per run, so reruns against a long-lived stack pass. */
export const uniqueEmail = (tag: string): string => `e2e-${unique(tag)}@example.com`;

export function userForm(fields: Record<string, string>, files: readonly FilePart[] = []): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) {
    form.append(
      f.field ?? 'avatar',
      new Blob([f.bytes], { type: f.type ?? 'application/octet-stream' }),
      f.filename,
    );
  }
  return form;
}

const created = new Set<string>();

/** POST a form to /user (or the /users alias); a 201 is remembered for clean-up. */
export async function postUser(form: FormData, path: '/user' | '/users' = '/user'): Promise<Reply> {
  const reply = await call(path, { method: 'POST', body: form });
  const id = (reply.body as { id?: unknown } | undefined)?.id;
  if (reply.status === 201 && typeof id === 'string') created.add(id);
  return reply;
}

/** Creates a user and asserts the 201; returns the created user. */
export async function createUser(
  fields: { name: string; email: string },
  avatar: FilePart,
  path: '/user' | '/users' = '/user',
): Promise<User> {
  const reply = await postUser(userForm(fields, [avatar]), path);
  expectJson(reply, 201, {
    success: 'User created',
    id: expect.stringMatching(UUID),
    user: expect.objectContaining({ name: fields.name }),
  });
  return (reply.body as { user: User }).user;
}

/** Every user, following X-Next-Cursor; fails on a repeated cursor (a loop) or a non-200 page. */
export async function listAllUsers(limit = 100): Promise<User[]> {
  const users: User[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  do {
    const qs: string = `limit=${limit}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
    const page = await call(`/users?${qs}`);
    if (page.status !== 200 || !Array.isArray(page.body)) {
      throw new Error(`GET /users?${qs} answered ${page.status}: ${page.text.slice(0, 300)}`);
    }
    users.push(...(page.body as User[]));
    cursor = page.headers.get('x-next-cursor');
    if (cursor && seen.has(cursor)) throw new Error(`GET /users returned the cursor ${cursor} twice`);
    if (cursor) seen.add(cursor);
  } while (cursor);
  return users;
}

/** Deletes what this run created and has not deleted itself (so a long-lived stack stays tidy). */
export async function deleteCreatedUsers(): Promise<void> {
  for (const id of created) {
    const reply = await call(`/users/${id}`, { method: 'DELETE' });
    if (reply.status !== 204 && reply.status !== 404)
      throw new Error(`clean-up DELETE /users/${id}: ${reply.status}`);
  }
  created.clear();
}

export const forgetCreated = (id: string): boolean => created.delete(id);
