import { counterStore } from '../../service/src/components/counter/data-access/counter-store';
import { counterService } from '../../service/src/components/counter/domain/counter';
import {
  messagesQueue,
  messagesTable,
} from '../../service/src/components/messages/data-access/messages-store';
import { messagesService } from '../../service/src/components/messages/domain/messages';
import { avatarStore } from '../../service/src/components/users/data-access/avatar-store';
import { usersTable } from '../../service/src/components/users/data-access/users-table';
import { detectImageType } from '../../service/src/components/users/domain/avatar';
import { usersService } from '../../service/src/components/users/domain/users';
import type { AwsClients } from '../../service/src/libraries/aws';
import type { Config } from '../../service/src/libraries/config';
import type { Logger } from '../../service/src/libraries/logger';
import { createMetrics } from '../../service/src/libraries/metrics';
import type { Redis } from '../../service/src/libraries/redis';

/** What a baseline server received for `POST /user`, however it parsed the form. */
export interface UserUpload {
  readonly name?: string;
  readonly email?: string;
  readonly fileName?: string;
  readonly bytes?: Buffer;
}

/**
 * The backend work of each benchmarked route, done by the service's own domain services over its
 * own data-access modules and clients, so a baseline makes exactly the calls the full app makes
 * (same commands, same order) and differs only in the HTTP layer around them.
 */
export function backendOperations(deps: { config: Config; aws: AwsClients; redis: Redis; logger: Logger }) {
  const { config, aws, redis, logger } = deps;
  const metrics = createMetrics({ defaultMetrics: false });
  const counter = counterService(counterStore(redis), metrics);
  const users = usersService({
    table: usersTable(aws, config.usersTable),
    avatars: avatarStore(aws, config.avatarsBucket),
    metrics,
    logger,
  });
  const messages = messagesService({
    queue: messagesQueue(aws, config.queueUrl),
    table: messagesTable(aws, config.messagesTable),
    metrics,
  });
  return {
    read: async () => ({ counter: await counter.read() }),
    write: async () => ({ counter: await counter.increment() }),
    listUsers: async () => (await users.list(100)).users,
    createUser: async (upload: UserUpload) => {
      const bytes = upload.bytes ?? Buffer.alloc(0);
      const user = await users.create({
        name: upload.name ?? '',
        email: upload.email ?? '',
        avatar: { fileName: upload.fileName ?? 'avatar', bytes, type: detectImageType(bytes) ?? 'image/png' },
      });
      return { success: 'User created', id: user.id, user };
    },
    processMessage: async (payload: object) => {
      const { data, messageId } = await messages.enqueue(payload);
      return { status: 'success', data, messageId };
    },
  };
}

export type BackendOperations = ReturnType<typeof backendOperations>;

/**
 * The bare handler's form parser: the whole body is in memory, split at the boundary. Enough for
 * the well-formed bodies the bench sends; not a general multipart parser.
 */
export function parseMultipart(body: Buffer, contentType: string): UserUpload {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!match) return {};
  const delimiter = Buffer.from(`--${match[1] ?? match[2]}`);
  const fields: Record<string, string> = {};
  let fileName: string | undefined;
  let bytes: Buffer | undefined;
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break; // the closing delimiter
    const headersEnd = body.indexOf('\r\n\r\n', start);
    const next = headersEnd === -1 ? -1 : body.indexOf(delimiter, headersEnd);
    if (next === -1) break;
    const headers = body.toString('latin1', start + 2, headersEnd);
    const content = body.subarray(headersEnd + 4, next - 2);
    const name = /(?:^|;\s*)name="([^"]*)"/m.exec(headers)?.[1];
    const file = /filename="([^"]*)"/.exec(headers)?.[1];
    if (file !== undefined && name === 'avatar') {
      fileName = file;
      bytes = content;
    } else if (name !== undefined) {
      fields[name] = content.toString('utf8');
    }
    at = next;
  }
  return { name: fields.name, email: fields.email, fileName, bytes };
}
