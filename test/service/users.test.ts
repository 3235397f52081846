import { type Server, type Socket, createServer } from 'node:net';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import request from 'supertest';
import { avatarStore } from '../../service/src/components/users/data-access/avatar-store';
import { usersTable } from '../../service/src/components/users/data-access/users-table';
import { usersService } from '../../service/src/components/users/domain/users';
import { createAwsClients } from '../../service/src/libraries/aws';
import { AppError } from '../../service/src/libraries/errors';
import { createLogger } from '../../service/src/libraries/logger';
import { createMetrics } from '../../service/src/libraries/metrics';
import { REGION, listKeys } from './helpers/backends';
import { GIF, JPEG, PNG, TEXT } from './helpers/images';
import { freePort } from './helpers/redis-server';
import { type TestApp, buildTestApp, useTestApp } from './helpers/test-app';

let seq = 0;
const uniqueEmail = (tag = 'user') => `${tag}.${Date.now()}.${++seq}@example.com`;

describe('users and avatars on DynamoDB + S3', () => {
  const t = useTestApp('usr', { env: { AVATAR_MAX_BYTES: '4096' } });

  const create = (
    fields: Record<string, string>,
    file?: { buffer: Buffer; name: string; field?: string },
    path = '/user',
  ) => {
    let req = request(t.app).post(path);
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    if (file) req = req.attach(file.field ?? 'avatar', file.buffer, file.name);
    return req;
  };
  const valid = (overrides: Record<string, string> = {}) => ({
    name: 'Ada Lovelace',
    email: uniqueEmail(),
    ...overrides,
  });

  describe('POST /user', () => {
    test('when name, email and a PNG avatar are posted, then 201 with the user, a Location, and a private object under avatars/<id>/', async () => {
      const fields = valid();
      const res = await create(fields, { buffer: PNG, name: 'me.png' });
      expect(res.status).toBe(201);
      const id = res.body.id as string;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(res.headers.location).toBe(`/users/${id}`);
      expect(res.body).toEqual({
        success: 'User created',
        id,
        user: {
          id,
          name: 'Ada Lovelace',
          email: fields.email,
          avatar_url: `/users/${id}/avatar`,
          created_at: expect.any(String),
        },
      });
      expect(new Date(res.body.user.created_at).toISOString()).toBe(res.body.user.created_at);
      expect(await listKeys(t.backends.aws, t.backends.bucket, `avatars/${id}/`)).toEqual([
        `avatars/${id}/me.png`,
      ]);
      const row = await t.backends.aws.doc.send(
        new GetCommand({ TableName: t.backends.usersTable, Key: { pk: `USER#${id}` } }),
      );
      expect(Object.keys(row.Item ?? {}).sort()).toEqual(
        ['avatar_content_type', 'avatar_key', 'created_at', 'email', 'id', 'name', 'pk'].sort(),
      );
      const reservation = await t.backends.aws.doc.send(
        new GetCommand({
          TableName: t.backends.usersTable,
          Key: { pk: `EMAIL#${fields.email.toLowerCase()}` },
        }),
      );
      expect(reservation.Item).toEqual({ pk: `EMAIL#${fields.email.toLowerCase()}`, user_id: id });

      const got = await request(t.app).get(`/users/${id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(res.body.user);
      const avatar = await request(t.app).get(res.body.user.avatar_url).buffer(true);
      expect(avatar.status).toBe(200);
      expect(avatar.headers['content-type']).toBe('image/png');
      expect(Buffer.compare(avatar.body as Buffer, PNG)).toBe(0);
    });

    test('when POST /users (the alias) with a .JPG avatar, then 201 and the avatar is served as image/jpeg', async () => {
      const res = await create(valid(), { buffer: JPEG, name: 'PHOTO.JPG' }, '/users');
      expect(res.status).toBe(201);
      const avatar = await request(t.app).get(`/users/${res.body.id}/avatar`).buffer(true);
      expect(avatar.headers['content-type']).toBe('image/jpeg');
      expect(Buffer.compare(avatar.body as Buffer, JPEG)).toBe(0);
    });

    test('when two users upload the same file name, then each gets its own object and neither overwrites the other', async () => {
      const a = await create(valid(), { buffer: PNG, name: 'avatar.png' });
      const b = await create(valid(), { buffer: GIF, name: 'avatar.png.gif' });
      const c = await create(valid(), { buffer: GIF, name: 'avatar.gif' });
      const d = await create(valid(), { buffer: PNG, name: 'avatar.png' });
      expect([a.status, b.status, c.status, d.status]).toEqual([201, 201, 201, 201]);
      const avatarA = await request(t.app).get(`/users/${a.body.id}/avatar`).buffer(true);
      expect(Buffer.compare(avatarA.body as Buffer, PNG)).toBe(0);
      const avatarC = await request(t.app).get(`/users/${c.body.id}/avatar`).buffer(true);
      expect(avatarC.headers['content-type']).toBe('image/gif');
      expect(await listKeys(t.backends.aws, t.backends.bucket, `avatars/${d.body.id}/`)).toEqual([
        `avatars/${d.body.id}/avatar.png`,
      ]);
    });

    test('when the name is 200 characters (398 UTF-16 units) with white space around it, then 201 and it is stored trimmed', async () => {
      const name = '\u{1F600}'.repeat(198);
      const res = await create(valid({ name: `\t${name}\u00a0` }), { buffer: PNG, name: 'a.png' });
      expect(res.status).toBe(201);
      expect(res.body.user.name).toBe(name);
    });

    test('when the file name has directories and odd characters, then the object key uses a sanitised name', async () => {
      const res = await create(valid(), { buffer: PNG, name: '../../etc/My Photo (1)é.PNG' });
      expect(res.status).toBe(201);
      const keys = await listKeys(t.backends.aws, t.backends.bucket, `avatars/${res.body.id}/`);
      expect(keys).toEqual([`avatars/${res.body.id}/My_Photo_1_e.png`]);
    });

    test.each([
      ['no fields at all', {}, undefined, 'Missing required data'],
      ['only an avatar', {}, 'png', 'Missing required data'],
      ['no name', { email: 'a@example.com' }, 'png', 'Missing required data: name'],
      ['a blank name', { name: '   ', email: 'a@example.com' }, 'png', 'Missing required data: name'],
      ['no email', { name: 'Ada' }, 'png', 'Missing required data: email'],
      ['a blank email', { name: 'Ada', email: ' ' }, 'png', 'Missing required data: email'],
      ['an invalid email', { name: 'Ada', email: 'not-an-email' }, 'png', 'Invalid email'],
      [
        'a name over 200 characters',
        { name: 'x'.repeat(201), email: 'a@example.com' },
        'png',
        'Name must be at most 200 characters',
      ],
      [
        'a name over 200 characters with the white space around it',
        { name: ` ${'x'.repeat(199)} `, email: 'a@example.com' },
        'png',
        'Name must be at most 200 characters',
      ],
      [
        'a name of 201 characters outside the BMP',
        { name: '\u{1F600}'.repeat(201), email: 'a@example.com' },
        'png',
        'Name must be at most 200 characters',
      ],
      [
        'an email with white space around it',
        { name: 'Ada', email: ' a@example.com ' },
        'png',
        'Invalid email',
      ],
      [
        'an email over 254 characters',
        { name: 'Ada', email: `${'a'.repeat(243)}@example.com` },
        'png',
        'Invalid email',
      ],
      [
        'no avatar',
        { name: 'Ada', email: 'a@example.com' },
        undefined,
        'Invalid file type or no file uploaded',
      ],
      [
        'a .txt avatar holding a PNG',
        { name: 'Ada', email: 'a@example.com' },
        'png-as-txt',
        'Invalid file type or no file uploaded',
      ],
      [
        'a .png avatar holding text',
        { name: 'Ada', email: 'a@example.com' },
        'text-as-png',
        'Invalid file type or no file uploaded',
      ],
    ] as const)(
      'when the form has %s, then 400 and nothing is written',
      async (_what, fields, file, error) => {
        const before = await listKeys(t.backends.aws, t.backends.bucket);
        const files = {
          png: { buffer: PNG, name: 'a.png' },
          'png-as-txt': { buffer: PNG, name: 'a.txt' },
          'text-as-png': { buffer: TEXT, name: 'a.png' },
        };
        const res = await create(fields, file ? files[file] : undefined);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error });
        expect(await listKeys(t.backends.aws, t.backends.bucket)).toEqual(before);
      },
    );

    test('when the request is not multipart at all, then 400 Missing required data', async () => {
      const res = await request(t.app).post('/user').send({ name: 'Ada', email: 'a@example.com' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'Missing required data' });
    });

    test('when the avatar is larger than AVATAR_MAX_BYTES, then 413 Avatar too large', async () => {
      const big = Buffer.concat([PNG, Buffer.alloc(5000)]);
      const res = await create(valid(), { buffer: big, name: 'big.png' });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ error: 'Avatar too large' });
    });

    test('when two avatar files are sent, then 400 naming the problem', async () => {
      const res = await request(t.app)
        .post('/user')
        .field('name', 'Ada')
        .field('email', uniqueEmail())
        .attach('avatar', PNG, 'a.png')
        .attach('avatar', PNG, 'b.png');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'Only one avatar file is allowed' });
    });

    test('when a file comes in another field, then 400 naming the field', async () => {
      const res = await create(valid(), { buffer: PNG, name: 'a.png', field: 'photo' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'Unexpected file field: photo' });
    });

    test('when the email is already registered in another case, then 409 and no orphan object is left', async () => {
      const email = uniqueEmail('Dup');
      const first = await create(valid({ email }), { buffer: PNG, name: 'a.png' });
      expect(first.status).toBe(201);
      const before = await listKeys(t.backends.aws, t.backends.bucket);
      const again = await create(valid({ email: email.toUpperCase() }), { buffer: PNG, name: 'a.png' });
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ error: 'Email already registered' });
      expect(await listKeys(t.backends.aws, t.backends.bucket)).toEqual(before);
    });

    test('when several creates race for one email, then exactly one wins, the rest get 409, and only the winner has an object', async () => {
      const email = uniqueEmail('race');
      const before = new Set(await listKeys(t.backends.aws, t.backends.bucket));
      const results = await Promise.all(
        Array.from({ length: 6 }, () => create(valid({ email }), { buffer: PNG, name: 'race.png' })),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
      const winner = results.find((r) => r.status === 201)?.body.id as string;
      const added = (await listKeys(t.backends.aws, t.backends.bucket)).filter((k) => !before.has(k));
      expect(added).toEqual([`avatars/${winner}/race.png`]);
    });

    test('when the DynamoDB transaction fails after the avatar was stored, then the object is deleted again', async () => {
      const service = usersService({
        // The reservation check passes, the transaction hits a table that does not exist.
        table: { ...usersTable(t.backends.aws, 'no-such-users-table'), isReserved: async () => false },
        avatars: avatarStore(t.backends.aws, t.backends.bucket),
        metrics: createMetrics({ defaultMetrics: false }),
        logger: createLogger({ level: 'silent' }),
      });
      const before = await listKeys(t.backends.aws, t.backends.bucket);
      await expect(
        service.create({
          name: 'Ada',
          email: uniqueEmail(),
          avatar: { fileName: 'orphan.png', bytes: PNG, type: 'image/png' },
        }),
      ).rejects.toBeInstanceOf(AppError);
      expect(await listKeys(t.backends.aws, t.backends.bucket)).toEqual(before);
    });
  });

  describe('GET /users', () => {
    test('when paging with limit=2, then every user appears exactly once, pages are full, and the last page has no cursor', async () => {
      for (let i = 0; i < 3; i++)
        expect((await create(valid(), { buffer: PNG, name: 'p.png' })).status).toBe(201);
      const all = await request(t.app).get('/users');
      expect(all.status).toBe(200);
      expect(Array.isArray(all.body)).toBe(true);
      expect(all.headers['x-next-cursor']).toBeUndefined();
      const total = all.body.length as number;
      expect(total).toBeGreaterThanOrEqual(5);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await request(t.app)
          .get('/users')
          .query({ limit: 2, ...(cursor ? { cursor } : {}) });
        expect(res.status).toBe(200);
        cursor = res.headers['x-next-cursor'];
        if (cursor) expect(res.body).toHaveLength(2);
        seen.push(...res.body.map((u: { id: string }) => u.id));
        pages++;
      } while (cursor && pages < 100);
      expect(seen.length).toBe(total);
      expect(new Set(seen)).toEqual(new Set(all.body.map((u: { id: string }) => u.id)));
      expect(all.body[0]).toEqual({
        id: expect.any(String),
        name: expect.any(String),
        email: expect.any(String),
        avatar_url: expect.stringMatching(/^\/users\/[0-9a-f-]{36}\/avatar$/),
        created_at: expect.any(String),
      });
    });

    test.each(['0', '101', 'abc', '1.5', '-1', '1e1', '0x10', ' 5', '05', ''])(
      'when limit=%s, then 400',
      async (limit) => {
        const res = await request(t.app).get('/users').query({ limit });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error: 'Invalid limit: must be an integer between 1 and 100' });
      },
    );

    test('when limit=1, then X-Next-Cursor is the id of the user on the page, and any user id is a cursor', async () => {
      const page = await request(t.app).get('/users').query({ limit: 1 });
      expect(page.status).toBe(200);
      expect(page.headers['x-next-cursor']).toBe(page.body[0].id);
      const after = await request(t.app)
        .get('/users')
        .query({ cursor: '00000000-0000-4000-8000-000000000000' });
      expect(after.status).toBe(200);
    });

    test.each([
      ['not base64url', 'not a cursor!'],
      ['base64 of something else', Buffer.from('{"pk":"EMAIL#x"}').toString('base64url')],
      ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
      ['an upper-case id', '6F1C0E2A-7D43-4B7E-9A51-2A3C4D5E6F70'],
      ['an id with a newline after it', '6f1c0e2a-7d43-4b7e-9a51-2a3c4d5e6f70\n'],
    ])('when the cursor is %s, then 400 Invalid cursor', async (_what, cursor) => {
      const res = await request(t.app).get('/users').query({ cursor });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'Invalid cursor' });
    });
  });

  describe('GET and DELETE /users/<id>', () => {
    test.each([
      '/users/6f1c0e2a-7d43-4b7e-9a51-2a3c4d5e6f70',
      '/users/not-a-uuid',
      '/users/6f1c0e2a-7d43-4b7e-9a51-2a3c4d5e6f70/avatar',
    ])('when %s does not exist, then 404 User not found', async (path) => {
      const res = await request(t.app).get(path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'User not found' });
    });

    test('when the avatar object has vanished from the bucket, then GET /users/<id>/avatar is 404 Avatar not found', async () => {
      const created = await create(valid(), { buffer: PNG, name: 'gone.png' });
      await t.backends.aws.s3.send(
        new DeleteObjectCommand({ Bucket: t.backends.bucket, Key: `avatars/${created.body.id}/gone.png` }),
      );
      const res = await request(t.app).get(`/users/${created.body.id}/avatar`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Avatar not found' });
    });

    test('when DELETE /users/<id>, then 204 and the user, its email reservation and its avatar are gone', async () => {
      const email = uniqueEmail('del');
      const created = await create(valid({ email }), { buffer: PNG, name: 'bye.png' });
      const id = created.body.id as string;
      const res = await request(t.app).delete(`/users/${id}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect((await request(t.app).get(`/users/${id}`)).status).toBe(404);
      expect((await request(t.app).get(`/users/${id}/avatar`)).status).toBe(404);
      expect(await listKeys(t.backends.aws, t.backends.bucket, `avatars/${id}/`)).toEqual([]);
      // The email is free again.
      expect((await create(valid({ email }), { buffer: PNG, name: 'again.png' })).status).toBe(201);
      const second = await request(t.app).delete(`/users/${id}`);
      expect(second.status).toBe(404);
      expect(second.body).toEqual({ error: 'User not found' });
    });
  });

  describe('when the AWS endpoint accepts connections but never answers', () => {
    let silent: Server;
    let hung: TestApp;
    const sockets = new Set<Socket>();

    beforeAll(async () => {
      silent = createServer((socket) => void sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const endpoint = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const aws = createAwsClients({ region: REGION, endpoint, maxAttempts: 1, requestTimeoutMs: 300 });
      hung = await buildTestApp(
        { ...t.backends, aws, env: { ...t.backends.env, AWS_ENDPOINT_URL: endpoint } },
        t.redisServer.url,
      );
    });

    afterAll(async () => {
      await hung?.close();
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => silent?.close(resolve));
    });

    test('when GET /users/<id>, then 503 dynamodb unavailable after the request timeout', async () => {
      const res = await request(hung.app).get('/users/6f1c0e2a-7d43-4b7e-9a51-2a3c4d5e6f70');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'dynamodb unavailable' });
      expect(res.headers['retry-after']).toBe('5');
    });
  });

  describe('when DynamoDB and S3 are unreachable', () => {
    let down: TestApp;

    beforeAll(async () => {
      const endpoint = `http://127.0.0.1:${await freePort()}`;
      const aws = createAwsClients({ region: REGION, endpoint, maxAttempts: 1 });
      down = await buildTestApp(
        { ...t.backends, aws, env: { ...t.backends.env, AWS_ENDPOINT_URL: endpoint } },
        t.redisServer.url,
      );
    });

    afterAll(async () => down?.close());

    test.each([
      ['get', '/users/6f1c0e2a-7d43-4b7e-9a51-2a3c4d5e6f70', 'dynamodb'],
      ['get', '/users', 'dynamodb'],
      ['get', '/messages/6f1c0e2a-7d43-4b7e-9a51-2a3c4d5e6f70', 'dynamodb'],
    ] as const)(
      'when %s %s, then 503 with Retry-After naming the dependency',
      async (method, path, dependency) => {
        const res = await request(down.app)[method](path);
        expect(res.status).toBe(503);
        expect(res.body).toEqual({ error: `${dependency} unavailable` });
        expect(res.headers['retry-after']).toBe('5');
      },
    );

    test('when POST /process_message, then 503 sqs unavailable', async () => {
      const res = await request(down.app).post('/process_message').send({ a: 1 });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'sqs unavailable' });
    });

    test('when /readyz, then 503 with the AWS checks unavailable and Redis ok', async () => {
      const res = await request(down.app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        status: 'not ready',
        checks: { dynamodb: 'unavailable', s3: 'unavailable', sqs: 'unavailable', redis: 'ok' },
      });
    });
  });
});
