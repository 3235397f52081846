import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../../../libraries/aws';
import { callDependency } from '../../../libraries/errors';

/** A user row (`pk = USER#<id>`) as stored. */
export interface UserRecord {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly avatar_key: string;
  readonly avatar_content_type: string;
  readonly created_at: string;
}

export type DynamoKey = Record<string, unknown>;

const userKey = (id: string) => ({ pk: `USER#${id}` });
const emailKey = (emailLower: string) => ({ pk: `EMAIL#${emailLower}` });

/** Why a create transaction was cancelled, when DynamoDB says. */
export type CreateConflict = 'email-taken' | 'id-taken' | 'unknown';

/** Outcome of a create: written, or cancelled by a condition (never thrown, so callers must look). */
export type CreateResult =
  { readonly created: true } | { readonly created: false; readonly conflict: CreateConflict };

/** The users table: user rows and email reservations under one partition key `pk`. */
export function usersTable(aws: AwsClients, tableName: string) {
  const isReserved = (emailLower: string) =>
    callDependency('dynamodb', async () => {
      const out = await aws.doc.send(
        new GetCommand({ TableName: tableName, Key: emailKey(emailLower), ConsistentRead: true }),
      );
      return out.Item !== undefined;
    });

  return {
    isReserved,

    /** Writes the user and its email reservation in one transaction; each only if absent. */
    create: (user: UserRecord, emailLower: string) =>
      callDependency('dynamodb', async (): Promise<CreateResult> => {
        try {
          await aws.doc.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: tableName,
                    Item: { ...userKey(user.id), ...user },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                {
                  Put: {
                    TableName: tableName,
                    Item: { ...emailKey(emailLower), user_id: user.id },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
              ],
            }),
          );
          return { created: true };
        } catch (err) {
          if (
            !(err instanceof TransactionCanceledException) &&
            (err as Error).name !== 'TransactionCanceledException'
          )
            throw err;
          const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
          const conflict: CreateConflict =
            reasons[1]?.Code === 'ConditionalCheckFailed'
              ? 'email-taken'
              : reasons[0]?.Code === 'ConditionalCheckFailed'
                ? 'id-taken'
                : 'unknown';
          return { created: false, conflict };
        }
      }),

    get: (id: string) =>
      callDependency('dynamodb', async () => {
        const out = await aws.doc.send(new GetCommand({ TableName: tableName, Key: userKey(id) }));
        return out.Item as (UserRecord & { pk: string }) | undefined;
      }),

    /**
     * Up to `count` user rows after `startKey`, scanning page by page until that many are found
     * or the table ends (email rows are filtered out, so one scan page may hold few users).
     */
    scanUsers: (count: number, startKey: DynamoKey | undefined) =>
      callDependency('dynamodb', async () => {
        const users: (UserRecord & { pk: string })[] = [];
        let exclusiveStartKey = startKey;
        do {
          const out = await aws.doc.send(
            new ScanCommand({
              TableName: tableName,
              Limit: Math.min(1000, count * 2),
              ExclusiveStartKey: exclusiveStartKey,
              FilterExpression: 'begins_with(pk, :user)',
              ExpressionAttributeValues: { ':user': 'USER#' },
            }),
          );
          for (const item of out.Items ?? []) {
            users.push(item as UserRecord & { pk: string });
            if (users.length === count) return users;
          }
          exclusiveStartKey = out.LastEvaluatedKey;
        } while (exclusiveStartKey);
        return users;
      }),

    /** Deletes the user row and its email reservation together; false when the user was already gone. */
    delete: (id: string, emailLower: string) =>
      callDependency('dynamodb', async () => {
        try {
          await aws.doc.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Delete: {
                    TableName: tableName,
                    Key: userKey(id),
                    ConditionExpression: 'attribute_exists(pk)',
                  },
                },
                {
                  Delete: {
                    TableName: tableName,
                    Key: emailKey(emailLower),
                    ConditionExpression: 'attribute_not_exists(pk) OR user_id = :id',
                    ExpressionAttributeValues: { ':id': id },
                  },
                },
              ],
            }),
          );
          return true;
        } catch (err) {
          const reasons = (err as TransactionCanceledException).CancellationReasons;
          if (
            (err as Error).name === 'TransactionCanceledException' &&
            reasons?.[0]?.Code === 'ConditionalCheckFailed'
          ) {
            return false;
          }
          throw err;
        }
      }),
  };
}

export type UsersTable = ReturnType<typeof usersTable>;
