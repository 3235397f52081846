import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface EncryptedLogGroupProps {
  /** Physical name; without one CloudFormation generates it. @default generated */
  readonly logGroupName?: string;
  readonly retention: logs.RetentionDays;
  /** Of the log group; the key outlives it by KMS's 30-day deletion window. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** What the key protects (its description). */
  readonly description: string;
}

export interface EncryptedLogGroup {
  readonly key: kms.Key;
  readonly logGroup: logs.LogGroup;
  /**
   * The group's ARN without the `:*` suffix of its `Arn` attribute (what WAF logging expects), from
   * its name: only for a named group.
   */
  readonly logGroupArnWithoutSuffix?: string;
}

/**
 * A CloudWatch log group `<id>` encrypted with a customer-managed KMS key `<id>Key` of its own (rotated
 * yearly), both in `scope` (so a log group that exists already keeps its logical id and is updated in
 * place). The key policy lets CloudWatch Logs of this region use the key only for log groups of this
 * account and region (the `aws:logs:arn` encryption context), the named group alone when it has a name.
 */
export function encryptedLogGroup(
  scope: Construct,
  id: string,
  props: EncryptedLogGroupProps,
): EncryptedLogGroup {
  const stack = Stack.of(scope);
  const groupArn = (name: string) =>
    stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  const key = new kms.Key(scope, `${id}Key`, {
    description: props.description,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccountAndRegion',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': groupArn(props.logGroupName ?? '*') } },
    }),
  );
  const logGroup = new logs.LogGroup(scope, id, {
    logGroupName: props.logGroupName,
    retention: props.retention,
    encryptionKey: key,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
  });
  return {
    key,
    logGroup,
    ...(props.logGroupName !== undefined && { logGroupArnWithoutSuffix: groupArn(props.logGroupName) }),
  };
}
