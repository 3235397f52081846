/**
 * Where the tests find the local environment started by `test/run.sh` (or `npm run local`):
 * the AWS emulator on AWS_ENDPOINT_URL (default http://127.0.0.1:4566) and Redis on REDIS_URL.
 * Nothing here skips a test when a backend is missing: a missing emulator is a failure.
 */
export const endpoint = process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566';
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const region = process.env.AWS_REGION ?? 'us-east-1';

/** Client options for every AWS SDK v3 client that talks to the emulator. */
export const awsClientConfig = {
  endpoint,
  region,
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  },
};

/** A name no other test run uses: `<prefix>-<time>-<random>`, lowercase for S3. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
