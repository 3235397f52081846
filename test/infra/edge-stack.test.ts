import { Match } from 'aws-cdk-lib/assertions';

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
