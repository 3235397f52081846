import { Aspects, CfnResource, IAspect } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Checkov skips, written beside what they acknowledge (like the cdk-nag acknowledgements): each is
 * rendered as the resource's `Metadata.checkov.skip` entry `{id, comment}`, which Checkov reads from
 * the synthesized template (local/checks/checkov.sh). Give every skip a reason specific to the resource.
 */
export interface CheckovSkip {
  /** A Checkov check id, e.g. `CKV_AWS_116`. */
  readonly id: string;
  /** Why the check does not apply here, or why the finding is accepted. */
  readonly comment: string;
}

const CHECK_ID = /^CKV2?_AWS_\d+$/;

/** Adds the skips to one CloudFormation resource, after those it already has (no duplicate ids). */
export function addCheckovSkips(resource: CfnResource, skips: readonly CheckovSkip[]): void {
  const current = (resource.getMetadata('checkov') as { skip?: CheckovSkip[] } | undefined)?.skip ?? [];
  const merged = [...current];
  for (const skip of skips) {
    if (!CHECK_ID.test(skip.id)) throw new Error(`checkov skip: '${skip.id}' is not a Checkov AWS check id`);
    if (skip.comment.trim().length < 20) throw new Error(`checkov skip ${skip.id}: give a specific reason`);
    if (!merged.some((s) => s.id === skip.id)) merged.push({ id: skip.id, comment: skip.comment });
  }
  resource.addMetadata('checkov', { skip: merged });
}

class CheckovSkipAspect implements IAspect {
  constructor(
    private readonly resourceTypes: readonly string[],
    private readonly skips: readonly CheckovSkip[],
  ) {}

  visit(node: IConstruct): void {
    if (node instanceof CfnResource && this.resourceTypes.includes(node.cfnResourceType)) {
      addCheckovSkips(node, this.skips);
    }
  }
}

/**
 * Skips the checks `ids` for the same reason on every resource of the given CloudFormation types
 * at or below `scope`, including those created later (an aspect applies them at synth).
 */
export function skipCheckov(
  scope: IConstruct,
  resourceTypes: string | readonly string[],
  reason: string,
  ...ids: string[]
): void {
  const types = typeof resourceTypes === 'string' ? [resourceTypes] : resourceTypes;
  Aspects.of(scope).add(
    new CheckovSkipAspect(
      types,
      ids.map((id) => ({ id, comment: reason })),
    ),
  );
}

/** Construct id of the stack-level provider behind CfnJson (IRSA conditions), in aws-cdk-lib's core. */
export const CFN_UTILS_PROVIDER_ID = 'AWSCDKCfnUtilsProviderCustomResourceProvider';

/** Checkov's Lambda checks, by what they ask for. */
export const LAMBDA_CHECKS = {
  concurrency: 'CKV_AWS_115',
  deadLetterQueue: 'CKV_AWS_116',
  vpc: 'CKV_AWS_117',
  environmentEncryption: 'CKV_AWS_173',
} as const;

export interface CdkHandlerSkipOptions {
  /** What the handler does, e.g. `the kubectl/Helm provider of aws-eks-v2`. */
  readonly handler: string;
  /**
   * Why it needs no VPC (the AWS APIs it calls), or undefined when it runs in one (the check passes).
   * @default it runs in a VPC
   */
  readonly outsideVpcBecause?: string;
  /** What its environment variables hold, when it has any (the encryption check applies then). @default none */
  readonly environment?: string;
}

/**
 * Skips the Lambda checks that do not apply to the custom-resource handlers CDK generates (every
 * AWS::Lambda::Function at or below `scope`): they run only while CloudFormation deploys the stack
 * and answer it SUCCESS or FAILED themselves.
 */
export function skipCdkHandlerChecks(scope: IConstruct, options: CdkHandlerSkipOptions): void {
  const lambda = 'AWS::Lambda::Function';
  const { handler } = options;
  skipCheckov(
    scope,
    lambda,
    `${handler} is a CloudFormation custom-resource handler: it answers every event to CloudFormation ` +
      'itself (FAILED rolls the deployment back with the error), so a dead-letter queue would hold ' +
      'events nobody could replay.',
    LAMBDA_CHECKS.deadLetterQueue,
  );
  skipCheckov(
    scope,
    lambda,
    `${handler} runs only during deployments of this stack, one invocation per resource event; reserved ` +
      'concurrency would take capacity from the account and could only throttle a deployment.',
    LAMBDA_CHECKS.concurrency,
  );
  if (options.environment !== undefined) {
    skipCheckov(
      scope,
      lambda,
      `${handler}: its environment holds ${options.environment}, no secret; Lambda encrypts it at rest ` +
        'with its service key.',
      LAMBDA_CHECKS.environmentEncryption,
    );
  }
  if (options.outsideVpcBecause !== undefined) {
    skipCheckov(scope, lambda, `${handler} ${options.outsideVpcBecause}`, LAMBDA_CHECKS.vpc);
  }
}
