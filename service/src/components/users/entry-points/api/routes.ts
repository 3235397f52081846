import { Router, type Request } from 'express';
import type { AwsClients } from '../../../../libraries/aws';
import type { Config } from '../../../../libraries/config';
import { AppError } from '../../../../libraries/errors';
import { defineEndpoint, mountEndpoints } from '../../../../libraries/http/endpoint';
import type { Logger } from '../../../../libraries/logger';
import type { Metrics } from '../../../../libraries/metrics';
import { errorResponse, jsonContent, unavailableResponse, z } from '../../../../libraries/openapi';
import { avatarStore } from '../../data-access/avatar-store';
import { usersTable } from '../../data-access/users-table';
import { AVATAR_TYPES, detectImageType, typeFromFileName } from '../../domain/avatar';
import { type NewUser, type UsersService, usersService } from '../../domain/users';
import { avatarUpload } from './avatar-upload';
import {
  CreateUserEncoding,
  CreateUserFields,
  CreateUserForm,
  ListUsersQuery,
  MAX_NAME_LENGTH,
  MAX_PAGE_SIZE,
  UserCreated,
  UserIdParams,
  UserLocation,
  UserSchema,
  UsersCursor,
} from './schemas';

/** What the users endpoints' handlers need. */
interface UsersContext {
  readonly service: UsersService;
  readonly avatarMaxBytes: number;
}

const singleValue = (fields: Record<string, unknown>, name: string): string | undefined => {
  const value = fields[name];
  if (value === undefined || typeof value === 'string') return value;
  throw AppError.badRequest(`Field ${name} must be given once`);
};

/**
 * The contract's validation order: both missing, name, email, name length, email format, then the
 * avatar. Other form fields are ignored and never stored (the document lists only these, so a
 * generated valid request never sends any).
 */
export function parseNewUser(
  fields: Record<string, unknown> | undefined,
  file: Express.Multer.File | undefined,
): NewUser {
  const name = singleValue(fields ?? {}, 'name');
  const email = singleValue(fields ?? {}, 'email');
  const blank = (v: string | undefined) => v === undefined || v.trim() === '';
  if (blank(name) && blank(email)) throw AppError.badRequest('Missing required data');
  if (blank(name)) throw AppError.badRequest('Missing required data: name');
  if (blank(email)) throw AppError.badRequest('Missing required data: email');
  const parsed = CreateUserFields.safeParse({ name, email });
  if (!parsed.success) {
    const issues = parsed.error.issues;
    throw AppError.badRequest(
      issues.some((i) => i.path[0] === 'name')
        ? `Name must be at most ${MAX_NAME_LENGTH} characters`
        : 'Invalid email',
    );
  }
  const claimed = file ? typeFromFileName(file.originalname) : undefined;
  const actual = file ? detectImageType(file.buffer) : undefined;
  if (!file || !claimed || !actual) throw AppError.badRequest('Invalid file type or no file uploaded');
  return { ...parsed.data, avatar: { fileName: file.originalname, bytes: file.buffer, type: actual } };
}

const tags = ['users'];
/** Malformed ids can never exist: answered 404 without a lookup. */
const userNotFound = () => AppError.notFound('User not found');
const notFound = errorResponse('No user with this id (a malformed id included)');

/** What a created user links to: the stateful tests (and clients) follow these from the 201. */
const userLinks = {
  GetUser: { operationId: 'getUser', parameters: { id: '$response.body#/id' } },
  GetUserAvatar: { operationId: 'getUserAvatar', parameters: { id: '$response.body#/id' } },
  DeleteUser: { operationId: 'deleteUser', parameters: { id: '$response.body#/id' } },
  ListUsers: { operationId: 'listUsers' },
};

const createUser = defineEndpoint({
  method: 'post',
  path: '/user',
  operationId: 'createUser',
  aliases: { '/users': 'createUserAtUsers' },
  tags,
  summary: 'Create a user with an avatar (multipart/form-data)',
  request: {
    body: {
      required: true,
      content: { 'multipart/form-data': { schema: CreateUserForm, encoding: CreateUserEncoding } },
    },
  },
  readBody: (context: UsersContext) => avatarUpload(context.avatarMaxBytes),
  body: (req: Request) => parseNewUser(req.body as Record<string, unknown> | undefined, req.file),
  handler: async ({ body }, res, { service }: UsersContext) => {
    const user = await service.create(body);
    res.status(201).location(`/users/${user.id}`).json({ success: 'User created', id: user.id, user });
  },
  responses: {
    201: {
      description: 'Created',
      headers: z.object({ Location: UserLocation.openapi({ description: '/users/<id>' }) }),
      content: jsonContent(UserCreated),
      links: userLinks,
    },
    400: errorResponse(
      'A field missing, blank, too long, malformed or given twice, the avatar missing or not a PNG/JPEG/GIF, ' +
        'another file field, too many fields, or a malformed multipart body',
    ),
    409: errorResponse('Email already registered (case-insensitively)'),
    413: errorResponse('Avatar larger than AVATAR_MAX_BYTES'),
    503: unavailableResponse('DynamoDB or S3'),
  },
});

const listUsers = defineEndpoint({
  method: 'get',
  path: '/users',
  operationId: 'listUsers',
  tags,
  summary: 'List users, a page at a time',
  request: { query: ListUsersQuery },
  rejected: (_where, issues) =>
    AppError.badRequest(
      issues[0]?.path[0] === 'limit'
        ? `Invalid limit: must be an integer between 1 and ${MAX_PAGE_SIZE}`
        : 'Invalid cursor',
    ),
  handler: async ({ query }, res, { service }: UsersContext) => {
    const { users, nextCursor } = await service.list(query.limit ?? MAX_PAGE_SIZE, query.cursor);
    if (nextCursor) res.setHeader('X-Next-Cursor', nextCursor);
    res.json(users);
  },
  responses: {
    200: {
      description: 'A page of users',
      headers: z.object({
        'X-Next-Cursor': UsersCursor.optional().openapi({
          description: 'Present when more users remain: the cursor of the next page',
        }),
      }),
      content: jsonContent(z.array(UserSchema).max(MAX_PAGE_SIZE)),
    },
    400: errorResponse('Invalid limit or cursor'),
    503: unavailableResponse('DynamoDB'),
  },
});

const getUser = defineEndpoint({
  method: 'get',
  path: '/users/{id}',
  operationId: 'getUser',
  tags,
  summary: 'One user',
  request: { params: UserIdParams },
  rejected: userNotFound,
  handler: async ({ params }, res, { service }: UsersContext) => void res.json(await service.get(params.id)),
  responses: {
    200: { description: 'The user', content: jsonContent(UserSchema) },
    404: notFound,
    503: unavailableResponse('DynamoDB'),
  },
});

const deleteUser = defineEndpoint({
  method: 'delete',
  path: '/users/{id}',
  operationId: 'deleteUser',
  tags,
  summary: 'Delete a user, its email reservation and its avatar',
  request: { params: UserIdParams },
  rejected: userNotFound,
  handler: async ({ params }, res, { service }: UsersContext) => {
    await service.remove(params.id);
    res.status(204).end();
  },
  responses: {
    204: { description: 'Deleted' },
    404: notFound,
    503: unavailableResponse('DynamoDB or S3'),
  },
});

const getUserAvatar = defineEndpoint({
  method: 'get',
  path: '/users/{id}/avatar',
  operationId: 'getUserAvatar',
  tags,
  summary: 'The avatar image',
  request: { params: UserIdParams },
  rejected: userNotFound,
  handler: async ({ params }, res, { service }: UsersContext) => {
    const avatar = await service.avatar(params.id);
    res.setHeader('Content-Type', avatar.contentType);
    if (avatar.contentLength !== undefined) res.setHeader('Content-Length', String(avatar.contentLength));
    res.setHeader('Cache-Control', 'private, max-age=300');
    await new Promise<void>((resolve, reject) => {
      avatar.body.on('error', reject);
      res.on('close', resolve);
      avatar.body.pipe(res);
    });
  },
  responses: {
    200: {
      description: 'The image bytes with their real Content-Type',
      content: Object.fromEntries(
        AVATAR_TYPES.map((type) => [type, { schema: { type: 'string' as const, format: 'binary' } }]),
      ),
    },
    404: errorResponse('User not found, or its avatar object not found'),
    503: unavailableResponse('DynamoDB or S3'),
  },
});

/** The users API, in the order the document lists it. */
export const usersEndpoints = [createUser, listUsers, getUser, deleteUser, getUserAvatar];

export function usersRouter(deps: {
  config: Config;
  metrics: Metrics;
  aws: AwsClients;
  logger: Logger;
}): Router {
  const router = Router();
  const service = usersService({
    table: usersTable(deps.aws, deps.config.usersTable),
    avatars: avatarStore(deps.aws, deps.config.avatarsBucket),
    metrics: deps.metrics,
    logger: deps.logger,
  });
  mountEndpoints(router, usersEndpoints, { service, avatarMaxBytes: deps.config.avatarMaxBytes });
  return router;
}
