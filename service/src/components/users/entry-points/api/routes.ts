import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import type { AwsClients } from '../../../../libraries/aws';
import type { Config } from '../../../../libraries/config';
import { AppError } from '../../../../libraries/errors';
import { route } from '../../../../libraries/http';
import type { Logger } from '../../../../libraries/logger';
import type { Metrics } from '../../../../libraries/metrics';
import {
  type OpenAPIRegistry,
  registerAliases,
  registerOperation,
  errorResponse,
  jsonContent,
  unavailableResponse,
  z,
} from '../../../../libraries/openapi';
import { avatarStore } from '../../data-access/avatar-store';
import { usersTable } from '../../data-access/users-table';
import { AVATAR_TYPES, detectImageType, typeFromFileName } from '../../domain/avatar';
import { type NewUser, usersService } from '../../domain/users';
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

const MAX_TEXT_FIELD_BYTES = 8 * 1024;

/** Multer (memory storage, bounded) with each of its errors turned into the contract's answer. */
function avatarUpload(maxBytes: number): RequestHandler {
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

/** Malformed ids can never exist: answer 404 without a lookup. */
const userId = (req: Request): string => {
  const params = UserIdParams.safeParse(req.params);
  if (!params.success) throw AppError.notFound('User not found');
  return params.data.id;
};

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

  const create = [
    avatarUpload(deps.config.avatarMaxBytes),
    async (req: Request, res: Response) => {
      const user = await service.create(
        parseNewUser(req.body as Record<string, unknown> | undefined, req.file),
      );
      res.status(201).location(`/users/${user.id}`).json({ success: 'User created', id: user.id, user });
    },
  ];
  const list = async (req: Request, res: Response) => {
    const query = ListUsersQuery.safeParse(req.query);
    if (!query.success) {
      const issue = query.error.issues[0];
      throw AppError.badRequest(
        issue.path[0] === 'limit'
          ? `Invalid limit: must be an integer between 1 and ${MAX_PAGE_SIZE}`
          : 'Invalid cursor',
      );
    }
    const { users, nextCursor } = await service.list(query.data.limit ?? MAX_PAGE_SIZE, query.data.cursor);
    if (nextCursor) res.setHeader('X-Next-Cursor', nextCursor);
    res.json(users);
  };

  route(router, '/user', { post: create });
  route(router, '/users', { get: list, post: create });
  route(router, '/users/:id', {
    get: async (req, res) => void res.json(await service.get(userId(req))),
    delete: async (req, res) => {
      await service.remove(userId(req));
      res.status(204).end();
    },
  });
  route(router, '/users/:id/avatar', {
    get: async (req, res) => {
      const avatar = await service.avatar(userId(req));
      res.setHeader('Content-Type', avatar.contentType);
      if (avatar.contentLength !== undefined) res.setHeader('Content-Length', String(avatar.contentLength));
      res.setHeader('Cache-Control', 'private, max-age=300');
      await new Promise<void>((resolve, reject) => {
        avatar.body.on('error', reject);
        res.on('close', resolve);
        avatar.body.pipe(res);
      });
    },
  });
  return router;
}

/** What a created user links to: the stateful tests (and clients) follow these from the 201. */
const userLinks = {
  GetUser: { operationId: 'getUser', parameters: { id: '$response.body#/id' } },
  GetUserAvatar: { operationId: 'getUserAvatar', parameters: { id: '$response.body#/id' } },
  DeleteUser: { operationId: 'deleteUser', parameters: { id: '$response.body#/id' } },
  ListUsers: { operationId: 'listUsers' },
};

export function registerUsersOpenApi(registry: OpenAPIRegistry): void {
  const tags = ['users'];
  const notFound = errorResponse('No user with this id (a malformed id included)');
  registerAliases(
    registry,
    { '/user': 'createUser', '/users': 'createUserAtUsers' },
    {
      method: 'post',
      tags,
      summary: 'Create a user with an avatar (multipart/form-data)',
      request: {
        body: {
          required: true,
          content: { 'multipart/form-data': { schema: CreateUserForm, encoding: CreateUserEncoding } },
        },
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
    },
  );
  registerOperation(registry, {
    method: 'get',
    path: '/users',
    operationId: 'listUsers',
    tags,
    summary: 'List users, a page at a time',
    request: { query: ListUsersQuery },
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
  registerOperation(registry, {
    method: 'get',
    path: '/users/{id}',
    operationId: 'getUser',
    tags,
    summary: 'One user',
    request: { params: UserIdParams },
    responses: {
      200: { description: 'The user', content: jsonContent(UserSchema) },
      404: notFound,
      503: unavailableResponse('DynamoDB'),
    },
  });
  registerOperation(registry, {
    method: 'delete',
    path: '/users/{id}',
    operationId: 'deleteUser',
    tags,
    summary: 'Delete a user, its email reservation and its avatar',
    request: { params: UserIdParams },
    responses: {
      204: { description: 'Deleted' },
      404: notFound,
      503: unavailableResponse('DynamoDB or S3'),
    },
  });
  registerOperation(registry, {
    method: 'get',
    path: '/users/{id}/avatar',
    operationId: 'getUserAvatar',
    tags,
    summary: 'The avatar image',
    request: { params: UserIdParams },
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
}
