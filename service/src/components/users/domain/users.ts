import { randomUUID } from 'node:crypto';
import { AppError } from '../../../libraries/errors';
import type { Logger } from '../../../libraries/logger';
import type { Metrics } from '../../../libraries/metrics';
import type { AvatarObject, AvatarStore } from '../data-access/avatar-store';
import type { UserRecord, UsersTable } from '../data-access/users-table';
import { type ImageType, sanitiseFileName } from './avatar';
import { cursorAfter, startKeyOf } from './cursor';

/** A user as clients see it. */
export interface User {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly avatar_url: string;
  readonly created_at: string;
}

export interface NewUser {
  readonly name: string;
  readonly email: string;
  readonly avatar: { readonly fileName: string; readonly bytes: Buffer; readonly type: ImageType };
}

const toUser = (r: UserRecord): User => ({
  id: r.id,
  name: r.name,
  email: r.email,
  avatar_url: `/users/${r.id}/avatar`,
  created_at: r.created_at,
});

const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export function usersService(deps: {
  table: UsersTable;
  avatars: AvatarStore;
  metrics: Metrics;
  logger: Logger;
}) {
  const { table, avatars, metrics, logger } = deps;

  /** Best effort: a failed clean-up is logged with the key so that it can be removed by hand. */
  const removeAvatar = async (key: string): Promise<void> => {
    try {
      await avatars.delete(key);
    } catch (err) {
      logger.error({ avatarKey: key, err }, 'could not delete avatar object after a failed create');
    }
  };

  return {
    /**
     * Stores the avatar under a key unique to the new user, then writes the user and its email
     * reservation in one transaction; if that fails the object is deleted again.
     */
    async create(input: NewUser): Promise<User> {
      const id = randomUUID();
      const avatarKey = `avatars/${id}/${sanitiseFileName(input.avatar.fileName)}`;
      const emailLower = normaliseEmail(input.email);
      const record: UserRecord = {
        id,
        name: input.name,
        email: input.email,
        avatar_key: avatarKey,
        avatar_content_type: input.avatar.type,
        created_at: new Date().toISOString(),
      };
      // Cheap early answer for the common duplicate; the transaction below is what guarantees it.
      if (await table.isReserved(emailLower)) throw new AppError(409, { error: 'Email already registered' });
      await avatars.put(avatarKey, input.avatar.bytes, input.avatar.type);
      let result;
      try {
        result = await table.create(record, emailLower);
      } catch (err) {
        await removeAvatar(avatarKey);
        throw err;
      }
      if (!result.created) {
        await removeAvatar(avatarKey);
        // Without cancellation reasons (or on a transaction conflict) look again: a reservation now there means 409.
        const taken =
          result.conflict === 'email-taken' ||
          (result.conflict === 'unknown' && (await table.isReserved(emailLower)));
        if (taken) throw new AppError(409, { error: 'Email already registered' });
        throw result.conflict === 'unknown'
          ? AppError.unavailable('dynamodb', new Error('transaction cancelled'))
          : AppError.internal(new Error(`create cancelled: ${result.conflict}`));
      }
      metrics.usersCreated.inc();
      metrics.avatarBytesStored.inc(input.avatar.bytes.length);
      return toUser(record);
    },

    /** One page of users after the cursor (a validated user id) and, when more remain, the cursor of the next page. */
    async list(limit: number, cursor?: string): Promise<{ users: User[]; nextCursor?: string }> {
      const startKey = cursor === undefined ? undefined : startKeyOf(cursor);
      const rows = await table.scanUsers(limit + 1, startKey);
      const page = rows.slice(0, limit);
      const nextCursor = rows.length > limit ? cursorAfter(page[page.length - 1].id) : undefined;
      return { users: page.map(toUser), nextCursor };
    },

    async get(id: string): Promise<User> {
      const row = await table.get(id);
      if (!row) throw AppError.notFound('User not found');
      return toUser(row);
    },

    async avatar(id: string): Promise<AvatarObject & { contentType: string }> {
      const row = await table.get(id);
      if (!row) throw AppError.notFound('User not found');
      const object = await avatars.get(row.avatar_key);
      if (!object) throw AppError.notFound('Avatar not found');
      return { ...object, contentType: row.avatar_content_type };
    },

    /** Deletes the avatar first (idempotent), then the user and its reservation: a failed delete can simply be retried. */
    async remove(id: string): Promise<void> {
      const row = await table.get(id);
      if (!row) throw AppError.notFound('User not found');
      await avatars.delete(row.avatar_key);
      const deleted = await table.delete(id, normaliseEmail(row.email));
      if (!deleted) throw AppError.notFound('User not found');
    },
  };
}

export type UsersService = ReturnType<typeof usersService>;
