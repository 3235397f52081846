import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';

import { STAGES } from '../../lib/config/schema';
import { DataStack } from '../../lib/stacks/data-stack';
import { build, itMatchesSnapshotAndPassesNag, nagFindings, testApp, testConfig } from './support';

const synth = (stage: (typeof STAGES)[number]) =>
  build((app) => new DataStack(app, 'Data', { config: testConfig(stage) }));

describe.each(STAGES)('data stack, stage %s', (stage) => {
  let built: ReturnType<typeof synth>;
  beforeAll(() => {
    built = synth(stage);
  });

  itMatchesSnapshotAndPassesNag(() => built);

  test('when npm run local reads the outputs, then every name it needs is there', () => {
    expect(Object.keys(built.template.toJSON().Outputs).sort()).toEqual([
      'AppSecretArn',
      'AvatarsBucketName',
      'MessagesDlqUrl',
      'MessagesQueueUrl',
      'MessagesTableName',
      'UsersTableName',
    ]);
  });

  test('when the users table is created, then it has the pk string partition key only and is on-demand and encrypted', () => {
    built.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
    });
    built.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    });
  });

  test('when messages keep failing, then they move to the DLQ after 5 receives with a 30 s visibility timeout', () => {
    built.template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 30,
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
      KmsMasterKeyId: 'alias/aws/sqs',
    });
  });

  test('when messages are stored, then both queues use SSE-KMS with the AWS managed key (no key grant needed)', () => {
    const queues = Object.values(built.template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(2);
    for (const queue of queues) {
      expect(queue.Properties.KmsMasterKeyId).toBe('alias/aws/sqs');
      expect(queue.Properties.SqsManagedSseEnabled).toBeUndefined();
    }
    built.template.resourceCountIs('AWS::KMS::Key', 0);
  });

  test('when access logs are written, then their bucket is versioned, expires logs after 90 days and old versions after a day, and says why it logs nowhere', () => {
    const buckets = built.template.findResources('AWS::S3::Bucket');
    const [accessLogs] = Object.entries(buckets).filter(([id]) => id.startsWith('AccessLogsBucket'));
    expect(accessLogs[1].Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(accessLogs[1].Properties.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'expire-access-logs',
        Status: 'Enabled',
        ExpirationInDays: 90,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      },
    ]);
    expect(accessLogs[1].Metadata.checkov.skip).toEqual([
      { id: 'CKV_AWS_18', comment: expect.stringMatching(/destination of the avatars bucket access logs/) },
    ]);
  });

  test('when Checkov reads the template, then the tables and the secret carry their skips with reasons', () => {
    const skipsOf = (type: string) =>
      Object.values(built.template.findResources(type)).map((r) =>
        (r.Metadata.checkov.skip as { id: string }[]).map((s) => s.id).sort(),
      );
    const pitr = testConfig(stage).data.pointInTimeRecovery;
    expect(skipsOf('AWS::DynamoDB::Table')).toEqual([
      pitr ? ['CKV_AWS_119'] : ['CKV_AWS_119', 'CKV_AWS_28'],
      pitr ? ['CKV_AWS_119'] : ['CKV_AWS_119', 'CKV_AWS_28'],
    ]);
    expect(skipsOf('AWS::SecretsManager::Secret')).toEqual([['CKV_AWS_149']]);
  });

  test('when anyone reaches the queues or buckets without TLS, then the resource policies deny it', () => {
    const denyInsecure = Match.objectLike({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    built.template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      { PolicyDocument: { Statement: Match.arrayWith([denyInsecure]) } },
      2,
    );
    built.template.resourcePropertiesCountIs(
      'AWS::S3::BucketPolicy',
      { PolicyDocument: { Statement: Match.arrayWith([denyInsecure]) } },
      2,
    );
  });

  test('when the avatars bucket is created, then it is private, versioned, encrypted, logged and expires old versions', () => {
    built.template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'avatars-bucket/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
        ]),
      },
    });
  });

  test('when the app secret is generated, then it holds a generated SECRET_KEY', () => {
    built.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'SECRET_KEY', SecretStringTemplate: '{}' }),
    });
  });
});

describe('data stack protection per stage', () => {
  test('when prod is synthesized, then tables have deletion protection, PITR and RETAIN, and nothing empties the buckets', () => {
    const { template } = synth('prod');
    template.allResources('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    });
    template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('when dev is synthesized, then data is destroyed with the stack and the buckets are emptied first', () => {
    const { template } = synth('dev');
    template.allResources('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  test('when local is synthesized for the emulator, then no Lambda or custom resource is in the template', () => {
    const { template } = synth('local');
    const types = Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map(
      (r) => r.Type,
    );
    expect(types.filter((t) => t.startsWith('Custom::') || t.startsWith('AWS::Lambda::'))).toEqual([]);
    expect(new Set(types)).toEqual(
      new Set([
        'AWS::DynamoDB::Table',
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
        'AWS::SQS::Queue',
        'AWS::SQS::QueuePolicy',
        'AWS::SecretsManager::Secret',
      ]),
    );
  });
});

describe('data stack, bad configuration', () => {
  const synthWith = (patch: Parameters<typeof testConfig>[1]) =>
    build((app) => new DataStack(app, 'Data', { config: testConfig('dev', patch) }));

  test('when the removal policy is unknown, then synth stops naming data.removalPolicy', () => {
    expect(() =>
      synthWith((raw) => ((raw.data as { removalPolicy: string }).removalPolicy = 'snapshot')),
    ).toThrow(/data\.removalPolicy/);
  });

  test('when old avatar versions would expire after 0 days, then synth stops naming the key', () => {
    expect(() =>
      synthWith(
        (raw) =>
          ((raw.data as { noncurrentVersionExpirationDays: number }).noncurrentVersionExpirationDays = 0),
      ),
    ).toThrow(/data\.noncurrentVersionExpirationDays/);
  });

  test('when deletion protection is not a boolean, then synth stops naming data.deletionProtection', () => {
    expect(() =>
      synthWith((raw) => ((raw.data as { deletionProtection: unknown }).deletionProtection = 'yes')),
    ).toThrow(/data\.deletionProtection/);
  });
});

describe('the cdk-nag harness', () => {
  test('when a bucket allows plain HTTP, then the harness reports AwsSolutions-S10 (so an empty report means something)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Probe', { env: { account: '123456789012', region: 'eu-west-1' } });
    new s3.Bucket(stack, 'Plain', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL });
    expect(nagFindings(app, stack).map((f) => f.rule)).toEqual(expect.arrayContaining(['AwsSolutions-S10']));
  });
});
