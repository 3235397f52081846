/**
 * The avatars bucket that cdklocal deployed, read directly through the emulator: what a 4xx or a
 * DELETE must not leave behind is only visible there (API.md: "no orphan object survives a failed
 * create", "removing ... its avatar object").
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '../../support/local-env';
import { avatarsBucket } from './service-env';

export const s3 = new S3Client({ ...awsClientConfig, forcePathStyle: true });

/** Every key of the avatars bucket under `prefix`, sorted. */
export async function bucketKeys(prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: avatarsBucket(), Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export async function bucketObject(key: string): Promise<{ bytes: Buffer; contentType?: string }> {
  const out = await s3.send(new GetObjectCommand({ Bucket: avatarsBucket(), Key: key }));
  return { bytes: Buffer.from(await out.Body!.transformToByteArray()), contentType: out.ContentType };
}
