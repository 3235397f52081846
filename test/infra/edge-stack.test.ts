import { Match, Template } from 'aws-cdk-lib/assertions';

import { EdgeStack } from '../../lib/stacks/edge-stack';
import { AWS_STAGES, build, itMatchesSnapshotAndPassesNag, testConfig } from './support';

const synth = (stage: (typeof AWS_STAGES)[number], patch?: Parameters<typeof testConfig>[1]) =>
  build((app) => new EdgeStack(app, 'Edge', { config: testConfig(stage, patch) }));

describe.each(AWS_STAGES)('edge stack, stage %s', (stage) => {
  let built: ReturnType<typeof synth>;
  beforeAll(() => {
    built = synth(stage);
  });

  itMatchesSnapshotAndPassesNag(() => built);

  test('when the certificate is requested, then it covers the service host and is validated by DNS in the stage zone', () => {
    const { dns } = testConfig(stage);
    built.template.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    built.template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: dns.domainName,
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: dns.domainName, HostedZoneId: dns.hostedZoneId }],
    });
  });

  test('when the hosted zone is used, then it is imported, not created', () => {
    built.template.resourceCountIs('AWS::Route53::HostedZone', 0);
    expect(built.stack.hostedZone.hostedZoneId).toBe(testConfig(stage).dns.hostedZoneId);
    expect(built.stack.hostedZone.zoneName).toBe(testConfig(stage).dns.hostedZoneName);
    built.template.hasOutput('ServiceUrl', { Value: `https://${testConfig(stage).dns.domainName}/` });
    built.template.hasOutput('CertificateArn', { Value: Match.anyValue() });
  });
});

/** The web ACL's rules by name: what each does (`block`, `count`, or `none` = the group's own actions) and on what. */
function aclRules(
  template: Template,
): Record<string, { priority: number; action: string; statement: unknown }> {
  const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL'));
  const rules = acl.Properties.Rules as {
    Name: string;
    Priority: number;
    Action?: Record<string, unknown>;
    OverrideAction?: Record<string, unknown>;
    Statement: unknown;
  }[];
  return Object.fromEntries(
    rules.map((r) => [
      r.Name,
      {
        priority: r.Priority,
        action: Object.keys(r.Action ?? r.OverrideAction ?? {}).join(),
        statement: r.Statement,
      },
    ]),
  );
}

const managedGroup = (name: string, countRules: string[] = []) => ({
  ManagedRuleGroupStatement: {
    VendorName: 'AWS',
    Name: name,
    ...(countRules.length > 0 && {
      RuleActionOverrides: countRules.map((rule) => ({ Name: rule, ActionToUse: { Count: {} } })),
    }),
  },
});

describe.each(AWS_STAGES)('edge stack web ACL, stage %s', (stage) => {
  let built: ReturnType<typeof synth>;
  beforeAll(() => {
    built = synth(stage);
  });

  test('when synthesized, then one REGIONAL web ACL allows by default and runs IP reputation, the rate limit per client IP, the common rule set and known bad inputs, in that order, in the stage mode', () => {
    // dev is new to the WAF: every rule counts; staging and prod block.
    const blocking = stage !== 'dev';
    built.template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    built.template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Name: `eksref-${stage}`,
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: {
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true,
        MetricName: `eksref-${stage}`,
      },
    });
    const groupAction = blocking ? 'None' : 'Count';
    expect(aclRules(built.template)).toEqual({
      AWSManagedRulesAmazonIpReputationList: {
        priority: 0,
        action: groupAction,
        statement: managedGroup('AWSManagedRulesAmazonIpReputationList'),
      },
      RateLimitPerClientIp: {
        priority: 1,
        action: blocking ? 'Block' : 'Count',
        statement: { RateBasedStatement: { Limit: 2000, EvaluationWindowSec: 300, AggregateKeyType: 'IP' } },
      },
      AWSManagedRulesCommonRuleSet: {
        priority: 2,
        action: groupAction,
        // Avatar uploads exceed the set's 8 KB body limit: that one rule only counts.
        statement: managedGroup('AWSManagedRulesCommonRuleSet', ['SizeRestrictions_BODY']),
      },
      AWSManagedRulesKnownBadInputsRuleSet: {
        priority: 3,
        action: groupAction,
        statement: managedGroup('AWSManagedRulesKnownBadInputsRuleSet'),
      },
    });
    if (blocking) {
      const [acl] = Object.values(built.template.findResources('AWS::WAFv2::WebACL'));
      const rate = acl.Properties.Rules.find((r: { Name: string }) => r.Name === 'RateLimitPerClientIp');
      expect(rate.Action.Block.CustomResponse).toEqual({
        ResponseCode: 429,
        ResponseHeaders: [{ Name: 'retry-after', Value: '300' }],
      });
    }
  });

  test('when requests are logged, then they go to an encrypted aws-waf-logs- log group with the stage retention, Authorization and Cookie redacted', () => {
    const retention = stage === 'prod' ? 365 : 90;
    built.template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `aws-waf-logs-eksref-${stage}`,
      RetentionInDays: retention,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebAclLogsKey'), 'Arn'] },
    });
    built.template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
    built.template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebAcl'), 'Arn'] },
      LogDestinationConfigs: [
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              `:logs:eu-west-1:123456789012:log-group:aws-waf-logs-eksref-${stage}`,
            ],
          ],
        },
      ],
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }],
    });
    // The key: rotated, usable by CloudWatch Logs of this region for this one log group only.
    built.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      `:logs:eu-west-1:123456789012:log-group:aws-waf-logs-eksref-${stage}`,
                    ],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
    built.template.hasOutput('WebAclArn', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebAcl'), 'Arn'] },
    });
  });
});

describe('edge stack web ACL configuration', () => {
  test('when a stage sets its own limit, window and actions and turns a group off, then the ACL follows exactly that', () => {
    const { template } = synth('prod', (raw) => {
      raw.waf = {
        mode: 'block',
        knownBadInputs: { enabled: false },
        ipReputation: { action: 'count' },
        commonRuleSet: { countRules: [] },
        rateLimit: { limit: 500, windowSeconds: 60 },
      };
    });
    expect(aclRules(template)).toEqual({
      AWSManagedRulesAmazonIpReputationList: {
        priority: 0,
        action: 'Count',
        statement: managedGroup('AWSManagedRulesAmazonIpReputationList'),
      },
      RateLimitPerClientIp: {
        priority: 1,
        action: 'Block',
        statement: { RateBasedStatement: { Limit: 500, EvaluationWindowSec: 60, AggregateKeyType: 'IP' } },
      },
      AWSManagedRulesCommonRuleSet: {
        priority: 2,
        action: 'None',
        statement: managedGroup('AWSManagedRulesCommonRuleSet'),
      },
    });
  });

  test('when the WAF is turned off, then there is no web ACL, no WAF log group and no output', () => {
    const { template, stack } = synth('staging', (raw) => (raw.waf = { enabled: false }));
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 0);
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    expect(stack.webAcl).toBeUndefined();
    expect(Object.keys(template.findOutputs('*'))).not.toContain('WebAclArn');
  });

  test('when the rate window or limit is not one WAF accepts, then synth stops naming the key', () => {
    expect(() => synth('dev', (raw) => (raw.waf = { rateLimit: { windowSeconds: 30 } }))).toThrow(
      /waf\.rateLimit\.windowSeconds/,
    );
    expect(() => synth('dev', (raw) => (raw.waf = { rateLimit: { limit: 5 } }))).toThrow(
      /waf\.rateLimit\.limit/,
    );
    expect(() => synth('dev', (raw) => (raw.waf = { mode: 'allow' }))).toThrow(/waf\.mode/);
  });
});

describe('edge stack, bad configuration', () => {
  test('when the domain is outside the hosted zone, then synth stops naming dns.domainName', () => {
    expect(() =>
      synth('dev', (raw) => ((raw.dns as { domainName: string }).domainName = 'api.other.example.org')),
    ).toThrow(/dns\.domainName: api\.other\.example\.org is not in zone dev\.example\.com/);
  });

  test('when the hosted zone id is malformed, then synth stops naming dns.hostedZoneId', () => {
    expect(() =>
      synth('dev', (raw) => ((raw.dns as { hostedZoneId: string }).hostedZoneId = 'zone-1')),
    ).toThrow(/dns\.hostedZoneId/);
  });
});
