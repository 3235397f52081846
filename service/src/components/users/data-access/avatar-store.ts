import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../../libraries/aws';
import { callDependency } from '../../../libraries/errors';

export interface AvatarObject {
  readonly body: Readable;
  readonly contentLength?: number;
}

/** Avatar objects in the private bucket; the only place users code touches S3. */
export function avatarStore(aws: AwsClients, bucket: string) {
  return {
    put: (key: string, body: Buffer, contentType: string) =>
      callDependency('s3', async () => {
        await aws.s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            ContentLength: body.length,
          }),
        );
      }),
    /** The object's bytes as a stream, or undefined when the object is gone. */
    get: (key: string) =>
      callDependency('s3', async (): Promise<AvatarObject | undefined> => {
        try {
          const out = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          return { body: out.Body as Readable, contentLength: out.ContentLength };
        } catch (err) {
          if (err instanceof NoSuchKey || (err as Error).name === 'NoSuchKey') return undefined;
          throw err;
        }
      }),
    /** Idempotent: deleting a missing key succeeds. */
    delete: (key: string) =>
      callDependency('s3', async () => {
        await aws.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      }),
  };
}

export type AvatarStore = ReturnType<typeof avatarStore>;
