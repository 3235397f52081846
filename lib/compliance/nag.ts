import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Helpers for cdk-nag AwsSolutions acknowledgements. Findings of IAM4 and IAM5 are granular (one per
 * managed policy or wildcard resource), so each is acknowledged by its exact id, never the whole rule.
 */

/** How cdk-nag writes the partition pseudo parameter inside ARNs. */
export const NAG_PARTITION = '<AWS::Partition>';

/** Id of the IAM4 finding for an AWS managed policy, e.g. `service-role/AWSLambdaBasicExecutionRole`. */
export function managedPolicyFinding(policyName: string): string {
  return `AwsSolutions-IAM4[Policy::arn:${NAG_PARTITION}:iam::aws:policy/${policyName}]`;
}

/** Id of the IAM5 finding for a wildcard resource (or action). */
export function wildcardFinding(resource: string): string {
  return `AwsSolutions-IAM5[Resource::${resource}]`;
}

/** Acknowledges the findings on `scope` and everything below it, all for the same reason. */
export function acknowledge(scope: IConstruct, reason: string, ...ids: string[]): void {
  Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason })));
}
