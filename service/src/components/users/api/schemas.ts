import { z } from '../../../libraries/openapi';

export const MAX_NAME_LENGTH = 200;

/** The text fields of `POST /user`; the same schema validates requests and documents them. */
export const CreateUserFields = z.object({
  name: z.string().trim().min(1).max(MAX_NAME_LENGTH).openapi({ example: 'Ada Lovelace' }),
  email: z.string().trim().min(1).max(254).pipe(z.email()).openapi({ example: 'ada@example.com' }),
});

export const CreateUserForm = CreateUserFields.extend({
  avatar: z
    .string()
    .openapi({ format: 'binary', description: 'PNG, JPEG or GIF image (by extension and content)' }),
}).openapi('CreateUserForm');

export const UserSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    email: z.string(),
    avatar_url: z
      .string()
      .openapi({ description: 'Root-relative URL of the avatar image', example: '/users/6f1c…/avatar' }),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('User');

export const UserCreated = z
  .object({ success: z.literal('User created'), id: z.uuid(), user: UserSchema })
  .openapi('UserCreated');

export const ListUsersQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'Page size, 1–100 (default 100)' }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({ description: 'Opaque cursor from a previous X-Next-Cursor header' }),
});

export const UserIdParams = z.object({ id: z.uuid() });
