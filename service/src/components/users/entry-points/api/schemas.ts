import { z } from '../../../../libraries/openapi';
import { AVATAR_EXTENSIONS, AVATAR_TYPES } from '../../domain/avatar';

/**
 * The zod schemas of the users API: each validates requests (or shapes responses) and is what the
 * OpenAPI document is generated from, so that the document states exactly what the server enforces.
 * Patterns are written in the common subset of ECMA-262 and the other engines that read the
 * document (no `\s`, `\w` or `\d`, whose meaning differs between engines).
 */

export const MAX_NAME_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 254;

/** A user id as the server issues it: a lower-case UUID. */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
export const UserId = z.string().regex(new RegExp(`^${UUID}$`));

/** The characters `String.prototype.trim()` removes (ECMA-262 WhiteSpace and LineTerminator). */
const TRIMMED = String.raw`\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;
/** At least one character that `trim()` keeps: the value is not blank. */
const NOT_BLANK = new RegExp(`[^${TRIMMED}]`);

/** At most `max` characters, counted as JSON Schema counts them (Unicode code points, not UTF-16 units). */
const textOfAtMost = (max: number) =>
  z
    .string()
    .refine((value) => Array.from(value).length <= max, { message: `At most ${max} characters` })
    .openapi({ maxLength: max });

/**
 * zod's address syntax (`z.regexes.email`) within the limits of RFC 5321 (a local part of at most 64
 * characters; domain labels of at most 63, without a hyphen at either end), so that every address it
 * admits is a `format: email` address too: the document gives both, and they say the same.
 */
const EMAIL_PATTERN =
  /^(?=[^@]{1,64}@)(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** `[Pp][Nn][Gg]` for `png`: a case-insensitive pattern without flags (JSON Schema has none). */
const anyCase = (text: string) => text.replace(/[a-z]/g, (c) => `[${c.toUpperCase()}${c}]`);
const AVATAR_FILE_NAME = `[^"]*\\.(?:${AVATAR_EXTENSIONS.map((ext) => anyCase(ext.slice(1))).join('|')})`;

/** The text fields of `POST /user` (the document admits no other; the server ignores others); the same schema validates requests and documents them. */
export const CreateUserFields = z.strictObject({
  name: textOfAtMost(MAX_NAME_LENGTH)
    .regex(NOT_BLANK)
    .overwrite((value) => value.trim())
    .openapi({
      description: `Not blank, at most ${MAX_NAME_LENGTH} characters; stored without surrounding white space`,
      example: 'Ada Lovelace',
    }),
  email: z.email({ pattern: EMAIL_PATTERN }).max(MAX_EMAIL_LENGTH).openapi({
    pattern: EMAIL_PATTERN.source,
    description: 'An address of the given pattern; unique among users, case-insensitively',
    example: 'ada@example.com',
  }),
});

export const CreateUserForm = CreateUserFields.extend({
  avatar: z.string().openapi({
    format: 'binary',
    description:
      `An image of a type of its encoding (${AVATAR_TYPES.join(', ')}) by its content (magic number), with a file ` +
      `name ending in ${AVATAR_EXTENSIONS.join(', ')} (any case); at most AVATAR_MAX_BYTES (default 5 MiB), else 413`,
  }),
}).openapi('CreateUserForm', {
  description: 'These three parts, each once: any other field, file or repeated part is a 400',
});

/** The multipart encoding of the avatar part: its types, and the file name its Content-Disposition must carry. */
export const CreateUserEncoding = {
  avatar: {
    contentType: AVATAR_TYPES.join(', '),
    headers: {
      'Content-Disposition': {
        description: 'The part carries a file name with an image extension',
        required: true,
        schema: { type: 'string' as const, pattern: `filename="${AVATAR_FILE_NAME}"` },
        example: 'form-data; name="avatar"; filename="avatar.png"',
      },
    },
  },
};

export const UserSchema = z
  .object({
    id: UserId,
    name: z.string(),
    email: z.string(),
    avatar_url: z
      .string()
      .regex(new RegExp(`^/users/${UUID}/avatar$`))
      .openapi({
        description: 'Root-relative URL of the avatar image',
        example: '/users/6f1c0e2a-7d43-4b7e-9a51-2a3c4d5e6f70/avatar',
      }),
    created_at: z.iso.datetime(),
  })
  .openapi('User');

export const UserCreated = z
  .object({ success: z.literal('User created'), id: UserId, user: UserSchema })
  .openapi('UserCreated');

/** The `Location` of a created user. */
export const UserLocation = z.string().regex(new RegExp(`^/users/${UUID}$`));

/** A query value that is an integer written plainly (no sign, exponent, fraction or leading zero). */
const PLAIN_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;
const plainInteger = (value: unknown) =>
  typeof value === 'string' && PLAIN_INTEGER.test(value) ? Number(value) : value;

export const MAX_PAGE_SIZE = 100;

/** The cursor of the next page: the id of the last user of the page before. */
export const UsersCursor = UserId.openapi({
  description: 'The X-Next-Cursor of the page before: the id of its last user',
});

export const ListUsersQuery = z.object({
  limit: z
    .preprocess(plainInteger, z.number().int().min(1).max(MAX_PAGE_SIZE))
    .optional()
    .openapi({ description: `Page size, 1–${MAX_PAGE_SIZE} (default ${MAX_PAGE_SIZE})` }),
  cursor: UsersCursor.optional(),
});

export const UserIdParams = z.object({ id: UserId });
