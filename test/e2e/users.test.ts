/**
 * Users and avatars (API.md "Users and avatars"), black-box over HTTP against the running local
 * environment: every route, every error case, and after every 4xx proof that nothing was written
 * (the listing, the users-created counter and the email reservation are unchanged).
 * This is the only e2e file that creates users, so its before/after comparisons are not disturbed
 * by the other files running in parallel.
 */
import { GetObjectAclCommand, GetPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'crypto';
import { bucketKeys, bucketObject, s3 } from './support/bucket';
import { baseUrl, call, expectJson, get, ISO_8601, mediaType, type Reply, urlOf, UUID } from './support/http';
import { gif, jpeg, png, PNG_SIGNATURE, randomRgb } from './support/images';
import { COUNTERS, counterTotal, scrape } from './support/metrics';
import { avatarsBucket } from './support/service-env';
import {
  createUser,
  deleteCreatedUsers,
  type FilePart,
  forgetCreated,
  listAllUsers,
  postUser,
  uniqueEmail,
  type User,
  userForm,
} from './support/users';

const AVATAR_MAX_BYTES = Number(process.env.AVATAR_MAX_BYTES ?? 5 * 1024 * 1024);

afterAll(async () => {
  await deleteCreatedUsers();
  s3.destroy();
});

const pngAvatar = (filename = 'avatar.png'): FilePart => ({
  bytes: png(randomRgb()),
  filename,
  type: 'image/png',
});

/** The User of API.md, exactly (no extra fields). */
const userLike = (name: string, email: string) => ({
  id: expect.stringMatching(UUID),
  name,
  email,
  avatar_url: expect.any(String),
  created_at: expect.stringMatching(ISO_8601),
});

const digest = (bytes: Uint8Array) => ({
  length: bytes.length,
  sha256: createHash('sha256').update(bytes).digest('hex'),
});

/** GET an avatar (root-relative or absolute URL): 200, the exact bytes, the real Content-Type. */
async function expectAvatar(path: string, bytes: Uint8Array, type: string): Promise<void> {
  const reply = await get(path);
  expect({ status: reply.status, contentType: mediaType(reply), ...digest(reply.bytes) }).toEqual({
    status: 200,
    contentType: type,
    ...digest(bytes),
  });
}

/** What a 4xx must leave untouched: the listing, the users-created / avatar-bytes counters, the bucket. */
interface Written {
  readonly ids: readonly string[];
  readonly keys: readonly string[];
  readonly emails: readonly string[];
  readonly usersCreated: number;
  readonly avatarBytes: number;
}

async function written(): Promise<Written> {
  const [users, metrics, keys] = await Promise.all([listAllUsers(), scrape(), bucketKeys()]);
  return {
    ids: users.map((u) => u.id).sort(),
    keys,
    emails: users.map((u) => u.email.toLowerCase()),
    usersCreated: counterTotal(metrics, COUNTERS.usersCreated),
    avatarBytes: counterTotal(metrics, COUNTERS.avatarBytesStored),
  };
}

async function expectNothingWritten(before: Written, email?: string): Promise<void> {
  const after = await written();
  expect(after.ids).toEqual(before.ids);
  expect(after.keys).toEqual(before.keys);
  expect(after.usersCreated).toBe(before.usersCreated);
  expect(after.avatarBytes).toBe(before.avatarBytes);
  if (email) expect(after.emails).not.toContain(email.toLowerCase());
}

/** The email of a rejected request was not reserved: it can be registered right after. */
async function expectEmailFree(email: string): Promise<void> {
  const reply = await postUser(userForm({ name: 'E2E Email Free', email }, [pngAvatar()]));
  expectJson(reply, 201, expect.objectContaining({ success: 'User created' }));
}

describe('POST /user with a PNG avatar', () => {
  const name = 'Ada Lovelace';
  const email = uniqueEmail('png');
  const avatar = pngAvatar('ada.png');
  let reply: Reply;
  let user: User;

  beforeAll(async () => {
    reply = await postUser(userForm({ name, email }, [avatar]));
    user = (reply.body as { user: User }).user;
  });

  test('when a user is created, then 201 {"success":"User created","id","user"} describes it as sent', () => {
    expectJson(reply, 201, {
      success: 'User created',
      id: expect.stringMatching(UUID),
      user: userLike(name, email),
    });
    expect(user.id).toBe((reply.body as { id: string }).id);
    expect(Number.isNaN(Date.parse(user.created_at))).toBe(false);
  });

  test('when a user is created, then the Location header is /users/<id>', () => {
    const location = reply.headers.get('location');
    expect(location).not.toBeNull();
    expect(new URL(location!, `${baseUrl}/`).pathname).toBe(`/users/${user.id}`);
  });

  test('when GET /users/<id>, then the same user is returned', async () => {
    expectJson(await get(`/users/${user.id}`), 200, user);
  });

  test('when the avatar_url is fetched, then the same PNG bytes come back as image/png', async () => {
    await expectAvatar(urlOf(user.avatar_url), avatar.bytes, 'image/png');
  });

  test('when GET /users/<id>/avatar, then the same PNG bytes come back as image/png', async () => {
    await expectAvatar(`/users/${user.id}/avatar`, avatar.bytes, 'image/png');
  });

  test('when GET /users, then the new user is listed once, as created', async () => {
    const listed = (await listAllUsers()).filter((u) => u.id === user.id);
    expect(listed).toEqual([user]);
  });
});

describe('every accepted image type, on both POST /user and its alias POST /users', () => {
  const cases: Array<{
    kind: string;
    path: '/user' | '/users';
    filename: string;
    type: string;
    bytes: Buffer;
  }> = [
    { kind: 'JPEG', path: '/users', filename: 'Photo.JPG', type: 'image/jpeg', bytes: jpeg(11) },
    { kind: 'JPEG', path: '/user', filename: 'selfie.jpeg', type: 'image/jpeg', bytes: jpeg(12) },
    { kind: 'GIF', path: '/users', filename: 'Tiny.GIF', type: 'image/gif', bytes: gif(randomRgb()) },
    { kind: 'PNG', path: '/users', filename: 'UPPER.PNG', type: 'image/png', bytes: png(randomRgb()) },
  ];

  test.each(cases)(
    'when a user is created on POST $path with a $kind named $filename, then 201 and both avatar URLs return the bytes as $type',
    async ({ path, filename, type, bytes }) => {
      const name = `E2E ${filename}`;
      const email = uniqueEmail('type');
      const reply = await postUser(userForm({ name, email }, [{ bytes, filename, type }]), path);
      expectJson(reply, 201, {
        success: 'User created',
        id: expect.stringMatching(UUID),
        user: userLike(name, email),
      });
      const { user } = reply.body as { user: User };
      expect(new URL(reply.headers.get('location') ?? '', `${baseUrl}/`).pathname).toBe(`/users/${user.id}`);
      await expectAvatar(urlOf(user.avatar_url), bytes, type);
      await expectAvatar(`/users/${user.id}/avatar`, bytes, type);
    },
  );

  test('when the avatar is uploaded with a generic application/octet-stream part type, then its real type is served', async () => {
    const bytes = gif(randomRgb());
    const user = await createUser(
      { name: 'E2E Octet', email: uniqueEmail('octet') },
      { bytes, filename: 'x.gif', type: 'application/octet-stream' },
    );
    await expectAvatar(`/users/${user.id}/avatar`, bytes, 'image/gif');
  });

  test('when extra form fields are sent, then the user has exactly the documented fields and none of the extra', async () => {
    const email = uniqueEmail('extra');
    const reply = await postUser(
      userForm({ name: 'E2E Extra', email, role: 'admin', is_admin: 'true', id: randomUUID() }, [
        pngAvatar(),
      ]),
    );
    expectJson(reply, 201, expect.objectContaining({ user: userLike('E2E Extra', email) }));
    const { user } = reply.body as { user: User };
    expectJson(await get(`/users/${user.id}`), 200, userLike('E2E Extra', email));
  });

  test('when the name is exactly 200 characters, then it is accepted and stored whole', async () => {
    const name = 'n'.repeat(200);
    const user = await createUser({ name, email: uniqueEmail('name200') }, pngAvatar());
    expect((await get(`/users/${user.id}`)).body).toEqual(expect.objectContaining({ name }));
  });

  test('when the avatar is exactly AVATAR_MAX_BYTES, then it is accepted and returned byte-identical', async () => {
    const image = png(randomRgb());
    const bytes = Buffer.concat([image, Buffer.alloc(AVATAR_MAX_BYTES - image.length, 0x5a)]);
    const user = await createUser(
      { name: 'E2E Max', email: uniqueEmail('max') },
      { bytes, filename: 'max.png', type: 'image/png' },
    );
    await expectAvatar(`/users/${user.id}/avatar`, bytes, 'image/png');
  });

  test('when a user is created, then users_created_total and avatar_bytes_stored_total increase', async () => {
    const before = await scrape();
    const avatar = pngAvatar();
    await createUser({ name: 'E2E Metrics', email: uniqueEmail('metrics') }, avatar);
    const after = await scrape();
    expect(counterTotal(after, COUNTERS.usersCreated)).toBeGreaterThanOrEqual(
      counterTotal(before, COUNTERS.usersCreated) + 1,
    );
    expect(counterTotal(after, COUNTERS.avatarBytesStored)).toBeGreaterThanOrEqual(
      counterTotal(before, COUNTERS.avatarBytesStored) + avatar.bytes.length,
    );
  });
});

describe('POST /user rejects invalid input with 400 and writes nothing', () => {
  const name = 'E2E Invalid';
  const text = (s: string) => Buffer.from(s, 'utf8');
  const cases: Array<{
    when: string;
    error: string | RegExp;
    form: (email: string) => FormData;
    emailFree?: boolean;
  }> = [
    { when: 'no fields are sent at all', error: 'Missing required data', form: () => new FormData() },
    {
      when: 'name is missing',
      error: 'Missing required data: name',
      form: (email) => userForm({ email }, [pngAvatar()]),
      emailFree: true,
    },
    {
      when: 'name is blank',
      error: 'Missing required data: name',
      form: (email) => userForm({ name: '   ', email }, [pngAvatar()]),
      emailFree: true,
    },
    {
      when: 'email is missing',
      error: 'Missing required data: email',
      form: () => userForm({ name }, [pngAvatar()]),
    },
    {
      when: 'email is blank',
      error: 'Missing required data: email',
      form: () => userForm({ name, email: ' ' }, [pngAvatar()]),
    },
    {
      when: 'email is not an address',
      error: 'Invalid email',
      form: () => userForm({ name, email: 'not-an-email' }, [pngAvatar()]),
    },
    {
      when: 'email has no domain',
      error: 'Invalid email',
      form: () => userForm({ name, email: 'e2e-nodomain@' }, [pngAvatar()]),
    },
    {
      when: 'no avatar is sent',
      error: 'Invalid file type or no file uploaded',
      form: (email) => userForm({ name, email }),
      emailFree: true,
    },
    {
      when: 'avatar is a text field, not a file',
      error: 'Invalid file type or no file uploaded',
      form: (email) => userForm({ name, email, avatar: 'avatar.png' }),
      emailFree: true,
    },
    {
      when: 'avatar has PNG bytes but a .txt name',
      error: 'Invalid file type or no file uploaded',
      form: (email) => userForm({ name, email }, [{ bytes: png(), filename: 'avatar.txt' }]),
      emailFree: true,
    },
    {
      when: 'avatar has PNG bytes but no extension',
      error: 'Invalid file type or no file uploaded',
      form: (email) => userForm({ name, email }, [{ bytes: png(), filename: 'avatar' }]),
      emailFree: true,
    },
    {
      when: 'avatar has PNG bytes but a .png.exe name',
      error: 'Invalid file type or no file uploaded',
      form: (email) => userForm({ name, email }, [{ bytes: png(), filename: 'avatar.png.exe' }]),
      emailFree: true,
    },
    {
      when: 'avatar is named .png but its bytes are text',
      error: 'Invalid file type or no file uploaded',
      form: (email) =>
        userForm({ name, email }, [
          { bytes: text('hello, not an image'), filename: 'a.png', type: 'image/png' },
        ]),
      emailFree: true,
    },
    {
      when: 'avatar is named .jpg but its bytes are text claiming image/jpeg',
      error: 'Invalid file type or no file uploaded',
      form: (email) =>
        userForm({ name, email }, [{ bytes: text('<svg></svg>'), filename: 'a.jpg', type: 'image/jpeg' }]),
      emailFree: true,
    },
    {
      when: 'avatar is a BMP',
      error: 'Invalid file type or no file uploaded',
      form: (email) =>
        userForm({ name, email }, [
          { bytes: Buffer.concat([text('BM'), Buffer.alloc(60)]), filename: 'a.bmp' },
        ]),
      emailFree: true,
    },
    {
      when: 'avatar is an empty .png file',
      error: 'Invalid file type or no file uploaded',
      form: (email) => userForm({ name, email }, [{ bytes: Buffer.alloc(0), filename: 'empty.png' }]),
      emailFree: true,
    },
    {
      when: 'name is 201 characters',
      error: /name/i,
      form: (email) => userForm({ name: 'n'.repeat(201), email }, [pngAvatar()]),
      emailFree: true,
    },
    {
      when: 'two avatar files are sent',
      error: /avatar|file/i,
      form: (email) => userForm({ name, email }, [pngAvatar('one.png'), pngAvatar('two.png')]),
      emailFree: true,
    },
    {
      when: 'the only file is in an unknown field',
      error: /picture/i,
      form: (email) => userForm({ name, email }, [{ ...pngAvatar('p.png'), field: 'picture' }]),
      emailFree: true,
    },
    {
      when: 'an unknown file field is sent besides the avatar',
      error: /picture/i,
      form: (email) => userForm({ name, email }, [pngAvatar(), { ...pngAvatar('p.png'), field: 'picture' }]),
      emailFree: true,
    },
  ];

  test.each(cases)('when $when, then 400 names the problem and nothing is written', async (c) => {
    const email = uniqueEmail('invalid');
    const before = await written();
    const reply = await postUser(c.form(email));
    expectJson(reply, 400, { error: typeof c.error === 'string' ? c.error : expect.stringMatching(c.error) });
    await expectNothingWritten(before, email);
    if (c.emailFree) await expectEmailFree(email);
  });

  test('when the body is JSON instead of multipart/form-data, then a 4xx JSON error and nothing is written', async () => {
    const email = uniqueEmail('json');
    const before = await written();
    const reply = await call('/user', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, email }),
    });
    expect([400, 415]).toContain(reply.status);
    expectJson(reply, reply.status, { error: expect.any(String) });
    await expectNothingWritten(before, email);
  });

  test('when the multipart body is truncated, then 400 JSON (not a 500, not HTML) and nothing is written', async () => {
    const email = uniqueEmail('truncated');
    const before = await written();
    const boundary = 'e2eboundary';
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n${name}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\n${email}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\n` +
      `Content-Type: image/png\r\n\r\n${PNG_SIGNATURE.toString('latin1')}`;
    const reply = await call('/user', {
      method: 'POST',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body: Buffer.from(body, 'latin1'),
    });
    expectJson(reply, 400, { error: expect.any(String) });
    await expectNothingWritten(before, email);
    await expectEmailFree(email);
  });
});

describe('POST /user with an avatar over AVATAR_MAX_BYTES', () => {
  test('when the avatar is one byte over the limit, then 413 {"error":"Avatar too large"} and nothing is written', async () => {
    const email = uniqueEmail('big');
    const before = await written();
    const image = png(randomRgb());
    const bytes = Buffer.concat([image, Buffer.alloc(AVATAR_MAX_BYTES + 1 - image.length, 0x5a)]);
    const reply = await postUser(userForm({ name: 'E2E Big', email }, [{ bytes, filename: 'big.png' }]));
    expectJson(reply, 413, { error: 'Avatar too large' });
    await expectNothingWritten(before, email);
    await expectEmailFree(email);
  });
});

describe('POST /user with an email that is already registered', () => {
  const email = uniqueEmail('dup');
  const avatar = pngAvatar('first.png');
  let first: User;

  beforeAll(async () => {
    first = await createUser({ name: 'E2E First', email }, avatar);
  });

  test.each([
    ['the same email', email],
    ['the same email in upper case', email.toUpperCase()],
    ['the same email with a capitalised domain', email.replace('example.com', 'Example.COM')],
  ])(
    'when %s is registered again, then 409 and the first user, its avatar and the listing are unchanged',
    async (_, again) => {
      const before = await written();
      const reply = await postUser(userForm({ name: 'E2E Second', email: again }, [pngAvatar('second.png')]));
      expectJson(reply, 409, { error: 'Email already registered' });
      const after = await written();
      expect(after.ids).toEqual(before.ids);
      expect(after.keys).toEqual(before.keys); // the avatar written before the failed transaction is gone again
      expect(after.usersCreated).toBe(before.usersCreated);
      expectJson(await get(`/users/${first.id}`), 200, first);
      await expectAvatar(`/users/${first.id}/avatar`, avatar.bytes, 'image/png');
    },
  );
});

describe('GET /users pages through every user with limit and X-Next-Cursor', () => {
  const mine: User[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 5; i++)
      mine.push(await createUser({ name: `E2E Page ${i}`, email: uniqueEmail('page') }, pngAvatar()));
  });

  test('when following X-Next-Cursor with limit=2, then every user is visited exactly once', async () => {
    const visited: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Reply = await get(`/users?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(Array.isArray(page.body)).toBe(true);
      const users = page.body as User[];
      expect(users.length).toBeLessThanOrEqual(2);
      visited.push(...users.map((u) => u.id));
      cursor = page.headers.get('x-next-cursor');
      pages++;
      if (pages > 10000) throw new Error('GET /users?limit=2 did not end after 10000 pages');
    } while (cursor);
    expect(new Set(visited).size).toBe(visited.length);
    for (const u of mine) expect(visited.filter((id) => id === u.id)).toEqual([u.id]);
    expect([...visited].sort()).toEqual((await listAllUsers(100)).map((u) => u.id).sort());
  });

  test('when GET /users has no query, then a bare array of at most 100 users, each exactly a User', async () => {
    const reply = await get('/users');
    expect(reply.status).toBe(200);
    expect(Array.isArray(reply.body)).toBe(true);
    const users = reply.body as User[];
    expect(users.length).toBeGreaterThanOrEqual(1);
    expect(users.length).toBeLessThanOrEqual(100);
    for (const u of users) expect(u).toEqual(userLike(u.name, u.email));
    if (users.length < 100) expect(reply.headers.get('x-next-cursor')).toBeNull();
  });

  test('when limit=1 and several users exist, then exactly one user and an X-Next-Cursor: its id', async () => {
    const reply = await get('/users?limit=1');
    expect(reply.status).toBe(200);
    expect(reply.body).toHaveLength(1);
    expect(reply.headers.get('x-next-cursor')).toBe((reply.body as Array<{ id: string }>)[0].id);
  });

  test('when limit=100, then at most 100 users', async () => {
    const reply = await get('/users?limit=100');
    expect(reply.status).toBe(200);
    expect((reply.body as unknown[]).length).toBeLessThanOrEqual(100);
  });

  test.each(['0', '101', '-1', 'abc', '1.5', '1000000'])(
    'when limit=%s, then 400 with an error',
    async (limit) => {
      expectJson(await get(`/users?limit=${limit}`), 400, { error: expect.any(String) });
    },
  );

  test.each([
    ['garbage', 'not-a-cursor!'],
    ['short base64', 'AAAA'],
    ['base64url JSON of the wrong shape', Buffer.from('{"foo":"bar"}').toString('base64url')],
  ])('when the cursor is %s, then 400 with an error', async (_, cursor) => {
    expectJson(await get(`/users?cursor=${encodeURIComponent(cursor)}`), 400, { error: expect.any(String) });
  });
});

describe('GET and DELETE of users that do not exist', () => {
  test('when GET /users/<unknown uuid>, then 404 {"error":"User not found"}', async () => {
    expectJson(await get(`/users/${randomUUID()}`), 404, { error: 'User not found' });
  });

  test('when GET /users/<not a uuid>, then 404 {"error":"User not found"}', async () => {
    expectJson(await get('/users/not-a-uuid'), 404, { error: 'User not found' });
  });

  test('when GET /users/<unknown uuid>/avatar, then 404 {"error":"User not found"}', async () => {
    expectJson(await get(`/users/${randomUUID()}/avatar`), 404, { error: 'User not found' });
  });

  test('when DELETE /users/<unknown uuid>, then 404 {"error":"User not found"}', async () => {
    expectJson(await call(`/users/${randomUUID()}`, { method: 'DELETE' }), 404, { error: 'User not found' });
  });
});

describe('DELETE /users/<id>', () => {
  const email = uniqueEmail('delete');
  let user: User;
  let deleted: Reply;

  beforeAll(async () => {
    user = await createUser({ name: 'E2E Delete', email }, pngAvatar());
    deleted = await call(`/users/${user.id}`, { method: 'DELETE' });
    if (deleted.status === 204) forgetCreated(user.id);
  });

  test('when an existing user is deleted, then 204 with an empty body', () => {
    expect({ status: deleted.status, body: deleted.text }).toEqual({ status: 204, body: '' });
  });

  test('when a deleted user is fetched, then GET /users/<id> is 404', async () => {
    expectJson(await get(`/users/${user.id}`), 404, { error: 'User not found' });
  });

  test('when a deleted user is fetched, then its avatar is 404 at /users/<id>/avatar and at avatar_url', async () => {
    expectJson(await get(`/users/${user.id}/avatar`), 404, { error: 'User not found' });
    expect((await get(urlOf(user.avatar_url))).status).toBe(404);
  });

  test('when the users are listed, then the deleted user is not there', async () => {
    expect((await listAllUsers()).map((u) => u.id)).not.toContain(user.id);
  });

  test('when the user is deleted again, then 404', async () => {
    expectJson(await call(`/users/${user.id}`, { method: 'DELETE' }), 404, { error: 'User not found' });
  });

  test('when the deleted email is registered again, then 201 (its reservation was removed)', async () => {
    const again = await createUser({ name: 'E2E Delete Again', email }, pngAvatar());
    expect(again.id).not.toBe(user.id);
  });
});

describe('avatar objects in the deployed bucket (read through the emulator)', () => {
  test('when a user is created, then exactly one object avatars/<id>/<file name> holds the bytes with the real Content-Type', async () => {
    const avatar = { bytes: gif(randomRgb()), filename: 'ada.gif', type: 'application/octet-stream' };
    const user = await createUser({ name: 'E2E Object', email: uniqueEmail('object') }, avatar);
    expect(await bucketKeys(`avatars/${user.id}/`)).toEqual([`avatars/${user.id}/ada.gif`]);
    const object = await bucketObject(`avatars/${user.id}/ada.gif`);
    expect({ contentType: object.contentType, ...digest(object.bytes) }).toEqual({
      contentType: 'image/gif',
      ...digest(avatar.bytes),
    });
  });

  test('when the file name carries path segments and spaces, then the key is one safe segment under avatars/<id>/', async () => {
    const outside = (keys: string[]) => keys.filter((k) => !/^avatars\/[0-9a-f-]{36}\/[^/]+$/.test(k));
    const before = outside(await bucketKeys());
    const avatar = pngAvatar('../../etc/my photo (1).png');
    const user = await createUser({ name: 'E2E Path', email: uniqueEmail('path') }, avatar);
    const keys = await bucketKeys(`avatars/${user.id}/`);
    expect(keys).toHaveLength(1);
    const fileName = keys[0].slice(`avatars/${user.id}/`.length);
    expect(fileName).not.toMatch(/\/|\\|^\.|\.\./);
    expect(fileName).toMatch(/\.png$/i);
    expect(outside(await bucketKeys())).toEqual(before);
    await expectAvatar(`/users/${user.id}/avatar`, avatar.bytes, 'image/png');
  });

  test('when a user is deleted, then its avatar object is removed', async () => {
    const user = await createUser({ name: 'E2E Delete Object', email: uniqueEmail('delobj') }, pngAvatar());
    expect(await bucketKeys(`avatars/${user.id}/`)).toHaveLength(1);
    expect((await call(`/users/${user.id}`, { method: 'DELETE' })).status).toBe(204);
    forgetCreated(user.id);
    expect(await bucketKeys(`avatars/${user.id}/`)).toEqual([]);
  });

  test('when the bucket and an avatar object are inspected, then all public access is blocked and no public grant exists', async () => {
    const Bucket = avatarsBucket();
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket }));
    expect(block.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const user = await createUser({ name: 'E2E Private', email: uniqueEmail('private') }, pngAvatar('p.png'));
    const acl = await s3.send(new GetObjectAclCommand({ Bucket, Key: `avatars/${user.id}/p.png` }));
    const publicGrants = (acl.Grants ?? []).filter((g) =>
      /AllUsers|AuthenticatedUsers/.test(g.Grantee?.URI ?? ''),
    );
    expect(publicGrants).toEqual([]);
  });
});
