import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AwsSettings {
  readonly region: string;
  /** An emulator endpoint; the SDK also reads AWS_ENDPOINT_URL itself, this makes it explicit and testable. */
  readonly endpoint?: string;
  /** Per-attempt socket timeouts in ms. */
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly maxAttempts?: number;
}

/** The AWS clients, built once per process and shared by every component. */
export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly secrets: SecretsManagerClient;
  readonly elasticache: ElastiCacheClient;
  destroy(): void;
}

export function createAwsClients(settings: AwsSettings): AwsClients {
  const common = {
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    maxAttempts: settings.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: settings.connectionTimeoutMs ?? 1000,
      requestTimeout: settings.requestTimeoutMs ?? 5000,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  };
  const dynamodb = new DynamoDBClient(common);
  const doc = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  // Path-style addressing is what emulators serve; virtual-hosted style stays the default on AWS.
  const s3 = new S3Client({ ...common, forcePathStyle: !!settings.endpoint });
  const sqs = new SQSClient(common);
  const secrets = new SecretsManagerClient(common);
  const elasticache = new ElastiCacheClient(common);
  return {
    dynamodb,
    doc,
    s3,
    sqs,
    secrets,
    elasticache,
    destroy() {
      for (const client of [doc, dynamodb, s3, sqs, secrets, elasticache]) client.destroy();
    },
  };
}
