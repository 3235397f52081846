import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

import { skipCheckov } from '../../compliance/checkov';
import { EncryptedLogGroup, encryptedLogGroup } from '../encrypted-log-group';

export type WafAction = 'block' | 'count';

export interface ManagedRuleGroupSettings {
  readonly enabled: boolean;
  /** @default the ACL's mode */
  readonly action?: WafAction;
  /** Rules of the group overridden to count. */
  readonly countRules: readonly string[];
}

/** The web ACL's settings (the stage configuration's `waf` section). */
export interface WebAclSettings {
  /** The action of every rule that sets none. */
  readonly mode: WafAction;
  readonly commonRuleSet: ManagedRuleGroupSettings;
  readonly knownBadInputs: ManagedRuleGroupSettings;
  readonly ipReputation: ManagedRuleGroupSettings;
  readonly rateLimit: {
    readonly enabled: boolean;
    /** @default the ACL's mode */
    readonly action?: WafAction;
    readonly limit: number;
    readonly windowSeconds: 60 | 120 | 300 | 600;
  };
  readonly logRetentionDays: logs.RetentionDays;
}

export interface WebAclProps {
  /** Name of the ACL (and suffix of its log group `aws-waf-logs-<name>`), e.g. `eksref-prod`. */
  readonly name: string;
  readonly settings: WebAclSettings;
}

/** The AWS managed rule groups, in the order they are evaluated after the IP reputation list and the rate limit. */
export const MANAGED_RULE_GROUPS = {
  ipReputation: 'AWSManagedRulesAmazonIpReputationList',
  commonRuleSet: 'AWSManagedRulesCommonRuleSet',
  knownBadInputs: 'AWSManagedRulesKnownBadInputsRuleSet',
} as const;
export const RATE_LIMIT_RULE_NAME = 'RateLimitPerClientIp';
/** Headers never written to the WAF logs (credentials and sessions). */
export const REDACTED_HEADERS = ['authorization', 'cookie'] as const;
/** The prefix WAF requires of a CloudWatch Logs destination. */
export const WAF_LOG_GROUP_PREFIX = 'aws-waf-logs-';

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  sampledRequestsEnabled: true,
  metricName,
});

/**
 * A REGIONAL WAFv2 web ACL for an Application Load Balancer: allow by default; the Amazon IP
 * reputation list, a rate-based rule per client IP (429 with Retry-After), the AWS common rule set
 * and known bad inputs, each enabled and in `block` or `count` mode as configured; all requests
 * logged to an encrypted `aws-waf-logs-<name>` log group with the Authorization and Cookie headers
 * redacted. The ALB controller associates it with the ALB from the Ingress annotation
 * `alb.ingress.kubernetes.io/wafv2-acl-arn`.
 */
export class WebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly webAclArn: string;
  readonly logs: EncryptedLogGroup;
  readonly loggingConfiguration: wafv2.CfnLoggingConfiguration;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const { settings, name } = props;
    const actionOf = (action: WafAction | undefined): WafAction => action ?? settings.mode;

    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    const managed = (key: keyof typeof MANAGED_RULE_GROUPS): void => {
      const group = settings[key];
      if (!group.enabled) return;
      const ruleName = MANAGED_RULE_GROUPS[key];
      rules.push({
        name: ruleName,
        priority: rules.length,
        overrideAction: actionOf(group.action) === 'count' ? { count: {} } : { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: ruleName,
            ...(group.countRules.length > 0 && {
              ruleActionOverrides: group.countRules.map((rule) => ({
                name: rule,
                actionToUse: { count: {} },
              })),
            }),
          },
        },
        visibilityConfig: visibility(`${name}-${ruleName}`),
      });
    };

    managed('ipReputation');
    const rate = settings.rateLimit;
    if (rate.enabled) {
      rules.push({
        name: RATE_LIMIT_RULE_NAME,
        priority: rules.length,
        action:
          actionOf(rate.action) === 'count'
            ? { count: {} }
            : {
                block: {
                  customResponse: {
                    responseCode: 429,
                    responseHeaders: [{ name: 'retry-after', value: String(rate.windowSeconds) }],
                  },
                },
              },
        statement: {
          rateBasedStatement: {
            limit: rate.limit,
            evaluationWindowSec: rate.windowSeconds,
            aggregateKeyType: 'IP',
          },
        },
        visibilityConfig: visibility(`${name}-${RATE_LIMIT_RULE_NAME}`),
      });
    }
    managed('commonRuleSet');
    managed('knownBadInputs');

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name,
      // WAF allows letters, digits, spaces and = : # @ / - , . + in a description.
      description: `${name}: web ACL of the service ALB - AWS managed rules, a rate limit per client IP`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rules,
      visibilityConfig: visibility(name),
    });
    this.webAclArn = this.webAcl.attrArn;
    const badInputs = settings.knownBadInputs;
    const log4jBlocked =
      badInputs.enabled &&
      actionOf(badInputs.action) === 'block' &&
      !badInputs.countRules.some((rule) => rule.startsWith('Log4JRCE'));
    if (!log4jBlocked) {
      skipCheckov(
        this.webAcl,
        'AWS::WAFv2::WebACL',
        `The stage configuration runs ${MANAGED_RULE_GROUPS.knownBadInputs} (its Log4JRCE rules) in count mode or ` +
          'not at all (waf.mode or waf.knownBadInputs): a stage new to the WAF counts first; matches are still ' +
          'labelled and logged. The service runs on Node.js, which has no Log4j.',
        'CKV_AWS_192',
      );
    }

    this.logs = encryptedLogGroup(this, 'Logs', {
      logGroupName: `${WAF_LOG_GROUP_PREFIX}${name}`,
      retention: settings.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
      description: `WAF logs of the web ACL ${name}`,
    });
    this.loggingConfiguration = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [this.logs.logGroupArnWithoutSuffix!],
      redactedFields: REDACTED_HEADERS.map((header) => ({ singleHeader: { Name: header } })),
    });
    this.loggingConfiguration.node.addDependency(this.logs.logGroup);
  }
}
