import * as fs from 'node:fs';
import * as path from 'node:path';

import { Match, Template } from 'aws-cdk-lib/assertions';

import { StageStacks, composeStage } from '../../lib/app';
import type { ServiceChartValueOverrides } from '../../lib/service-chart';
import { ServiceStack } from '../../lib/stacks/service-stack';
import { AWS_STAGES, Built, build, itMatchesSnapshotAndPassesNag, testConfig } from './support';

type AwsStage = (typeof AWS_STAGES)[number];

/** The whole stage as bin/app.ts composes it; the service stack is the one under test. */
function synth(stage: AwsStage, patch?: Parameters<typeof testConfig>[1]) {
  let stacks: StageStacks | undefined;
  const built = build((app) => {
    stacks = composeStage(app, testConfig(stage, patch));
    if (!stacks.service) throw new Error(`stage ${stage} composed no service stack`);
    return stacks.service;
  });
  return { ...built, stacks: stacks! };
}

/** An intrinsic as readable text: `{Fn::ImportValue: x}` → `<import x>`, `{Fn::GetAtt: [a, b]}` → `<a.b>`, `{Ref: x}` → `<x>`. */
function intrinsicText(part: unknown): string {
  if (typeof part === 'string') return part;
  const p = part as Record<string, unknown>;
  if ('Fn::ImportValue' in p) return `<import ${String(p['Fn::ImportValue'])}>`;
  if ('Fn::GetAtt' in p) return `<${(p['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Ref' in p) return `<${String(p.Ref)}>`;
  throw new Error(`unexpected intrinsic ${JSON.stringify(part)}`);
}

/** The Helm values of the release as an object, CloudFormation references shown as `<...>` text. */
function releaseValues(template: Template): ServiceChartValueOverrides {
  const charts = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart'));
  expect(charts).toHaveLength(1);
  const raw = charts[0].Properties.Values as { 'Fn::Join': [string, unknown[]] };
  return JSON.parse(raw['Fn::Join'][1].map(intrinsicText).join(''));
}

function appPolicyStatements(
  template: Template,
): { Sid: string; Action: string | string[]; Resource: unknown }[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes('AppRole'),
  );
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

describe.each(AWS_STAGES)('service stack, stage %s', (stage) => {
  let built: ReturnType<typeof synth>;
  beforeAll(() => {
    built = synth(stage);
  });

  itMatchesSnapshotAndPassesNag(() => built as Built<ServiceStack>);

  test('when the release is installed, then it comes from the chart asset, waits, rolls back and times out below 15 minutes', () => {
    built.template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Release: 'eks-service',
      Namespace: 'eks-service',
      CreateNamespace: true,
      Wait: true,
      Atomic: true,
      Timeout: '600s',
      ChartAssetURL: Match.anyValue(),
    });
  });

  test('when the release is ordered, then it depends on the controllers (ALB controller, external-dns) of the cluster stack', () => {
    const cluster = built.stacks.cluster!;
    expect(built.stack.release.node.dependencies).toContain(cluster.controllers);
    expect(built.stack.dependencies).toContain(cluster);
    // The stack-level order CloudFormation sees: the cluster stack deploys first.
    const manifest = built.app.synth().getStackArtifact(built.stack.artifactId);
    expect(manifest.dependencies.map((d) => d.id)).toContain(cluster.artifactId);
  });

  test('when the values are computed, then they carry every resource name, the cache endpoint, the role, the certificate and the image', () => {
    const values = releaseValues(built.template);
    const config = testConfig(stage);
    const data = `eksref-${stage}-data`;
    expect(values.config).toEqual({
      appVersion: config.service.appVersion,
      logLevel: config.service.logLevel,
      usersTable: expect.stringMatching(new RegExp(`^<import ${data}:ExportsOutputRefUsersTable`)),
      messagesTable: expect.stringMatching(new RegExp(`^<import ${data}:ExportsOutputRefMessagesTable`)),
      avatarsBucket: expect.stringMatching(new RegExp(`^<import ${data}:ExportsOutputRefAvatarsBucket`)),
      messagesQueueUrl: expect.stringMatching(new RegExp(`^<import ${data}:ExportsOutputRefMessagesQueue`)),
      messagesDeadLetterQueueUrl: expect.stringMatching(
        new RegExp(`^<import ${data}:ExportsOutputRefMessagesDlq`),
      ),
      appSecretArn: expect.stringMatching(new RegExp(`^<import ${data}:ExportsOutputRefAppSecret\\w+>$`)),
      redis: {
        host: expect.stringMatching(
          /^<import eksref-\w+-cache:ExportsOutputFnGetAttCacheReplicationGroup\w+PrimaryEndPointAddress/,
        ),
        port: expect.stringMatching(
          /^<import eksref-\w+-cache:ExportsOutputFnGetAttCacheReplicationGroup\w+PrimaryEndPointPort/,
        ),
        tls: true,
        authSecretArn: expect.stringMatching(/^<import eksref-\w+-cache:ExportsOutputRefCacheAuthToken/),
      },
    });
    expect(values.ingress).toEqual({
      enabled: true,
      host: config.dns.domainName,
      certificateArn: expect.stringMatching(/^<import eksref-\w+-edge:ExportsOutputRefCertificate/),
      // The edge stack's web ACL: the ALB controller associates it from the Ingress annotation.
      wafAclArn: expect.stringMatching(/^<import eksref-\w+-edge:ExportsOutputFnGetAttWebAcl\w+Arn\w*>$/),
    });
    expect(values.image).toEqual({
      repository: `123456789012.dkr.ecr.eu-west-1.<AWS::URLSuffix>/cdk-hnb659fds-container-assets-123456789012-eu-west-1`,
      tag: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(values.aws?.region).toBe('eu-west-1');
    expect(values.aws?.identity).toEqual(
      config.identityMode === 'irsa'
        ? { mode: 'irsa', roleArn: expect.stringMatching(/^<AppRole\w+\.Arn>$/) }
        : { mode: 'pod-identity' },
    );
    expect(values.serviceAccount).toEqual({ create: true, name: 'eks-service' });
    expect(values.api).toEqual({
      replicaCount: config.service.minReplicas,
      autoscaling: { minReplicas: config.service.minReplicas, maxReplicas: config.service.maxReplicas },
      nodeSelector: { 'kubernetes.io/arch': 'amd64' },
    });
    expect(values.worker).toEqual({ nodeSelector: { 'kubernetes.io/arch': 'amd64' } });
    expect(values.networkPolicy).toEqual({
      egress: {
        redisCidrs: [config.network.cidr],
        // The trace collector runs in the cluster, on VPC addresses.
        ...(config.monitoring.tracing && { otlpCidrs: [config.network.cidr] }),
      },
    });
  });

  test('when the app role is granted, then each statement names exactly its resource', () => {
    const statements = Object.fromEntries(appPolicyStatements(built.template).map((s) => [s.Sid, s]));
    expect(Object.keys(statements).sort()).toEqual([
      'AvatarObjects',
      'AvatarsBucket',
      'CacheEndpoint',
      'DeadLetterQueueDepth',
      'MessagesQueue',
      'MessagesTable',
      'Secrets',
      'UsersTable',
    ]);
    const data = `eksref-${stage}-data`;
    expect(statements.UsersTable.Resource).toEqual({
      'Fn::ImportValue': expect.stringMatching(new RegExp(`^${data}:ExportsOutputFnGetAttUsersTable\\w+Arn`)),
    });
    expect(statements.MessagesTable.Resource).toEqual({
      'Fn::ImportValue': expect.stringMatching(
        new RegExp(`^${data}:ExportsOutputFnGetAttMessagesTable\\w+Arn`),
      ),
    });
    expect(statements.AvatarObjects.Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::ImportValue': `${data}-AvatarsBucketArn` }, '/avatars/*']],
    });
    expect(statements.AvatarsBucket.Resource).toEqual({ 'Fn::ImportValue': `${data}-AvatarsBucketArn` });
    expect(statements.AvatarsBucket).toMatchObject({
      Action: 's3:ListBucket',
      Condition: { StringLikeIfExists: { 's3:prefix': ['avatars/*'] } },
    });
    expect(statements.MessagesQueue.Resource).toEqual({
      'Fn::ImportValue': expect.stringMatching(
        new RegExp(`^${data}:ExportsOutputFnGetAttMessagesQueue\\w+Arn`),
      ),
    });
    expect(statements.Secrets.Resource).toEqual(
      expect.arrayContaining([
        { 'Fn::ImportValue': expect.stringMatching(new RegExp(`^${data}:ExportsOutputRefAppSecret`)) },
        { 'Fn::ImportValue': expect.stringMatching(/^eksref-\w+-cache:ExportsOutputRefCacheAuthToken/) },
      ]),
    );
    expect(statements.Secrets.Resource).toHaveLength(2);
    expect(statements.Secrets.Action).toBe('secretsmanager:GetSecretValue');
    // The secret the pods are told to read (APP_SECRET_ARN) is the one the role may read; no CMK, no kms:Decrypt.
    const appSecretArn = releaseValues(built.template).config?.appSecretArn;
    expect(statements.Secrets.Resource).toContainEqual({
      'Fn::ImportValue': appSecretArn?.replace(/^<import (.+)>$/, '$1'),
    });
    expect(statements.CacheEndpoint).toMatchObject({
      Action: 'elasticache:DescribeReplicationGroups',
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            `:elasticache:eu-west-1:123456789012:replicationgroup:eksref-${stage}`,
          ],
        ],
      },
    });
    const actions = Object.values(statements).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(actions).not.toContain('dynamodb:BatchWriteItem');
    expect(actions.filter((a) => a.startsWith('kms:'))).toEqual([]);
  });

  test('when the image is built, then it comes from service/Dockerfile with the repository root as context, for amd64', () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(built.app.outdir, `${built.stack.artifactId}.assets.json`), 'utf8'),
    ) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile: string; platform: string } }>;
    };
    const [image] = Object.values(manifest.dockerImages);
    expect(image.source).toMatchObject({ dockerFile: 'service/Dockerfile', platform: 'linux/amd64' });
    const staged = path.join(built.app.outdir, image.source.directory);
    expect(fs.existsSync(path.join(staged, 'service/Dockerfile'))).toBe(true);
    expect(fs.existsSync(path.join(staged, 'package-lock.json'))).toBe(true);
    expect(fs.existsSync(path.join(staged, 'service/src'))).toBe(true);
    expect(fs.existsSync(path.join(staged, 'node_modules'))).toBe(false);
    expect(fs.existsSync(path.join(staged, 'lib'))).toBe(false);
  });
});

describe('service stack identity modes', () => {
  test('when identityMode is irsa, then the role trusts only the service account through the cluster OIDC provider', () => {
    const { template } = synth('dev');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sts:AssumeRoleWithWebIdentity',
            Principal: { Federated: Match.anyValue() },
            Condition: { StringEquals: Match.anyValue() },
          }),
        ],
      },
    });
    const conditions = Object.values(template.findResources('Custom::AWSCDKCfnJson'))[0].Properties.Value;
    expect(JSON.stringify(conditions)).toContain(
      ':sub\\":\\"system:serviceaccount:eks-service:eks-service\\"',
    );
    expect(JSON.stringify(conditions)).toContain(':aud\\":\\"sts.amazonaws.com\\"');
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
  });

  test('when identityMode is pod-identity, then the role trusts pods.eks.amazonaws.com and an association binds it before the release', () => {
    const { template } = synth('staging');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Principal: { Service: 'pods.eks.amazonaws.com' },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'eks-service',
      ServiceAccount: 'eks-service',
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AppRole'), 'Arn'] },
    });
    const [chart] = Object.values(template.findResources('Custom::AWSCDKCfnJson'));
    expect(chart).toBeUndefined();
    const release = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart'))[0];
    expect(JSON.stringify(release.DependsOn)).toMatch(/PodIdentity/);
  });
});

describe('service stack without a WAF', () => {
  test('when the stage turns the WAF off, then the release values name no web ACL', () => {
    const { template } = synth('staging', (raw) => (raw.waf = { enabled: false }));
    expect(releaseValues(template).ingress).not.toHaveProperty('wafAclArn');
  });
});

describe('service stack, bad configuration', () => {
  test('when the Helm timeout reaches the Lambda limit, then synth stops naming service.helmTimeoutMinutes', () => {
    expect(() =>
      synth('dev', (raw) => ((raw.service as { helmTimeoutMinutes: number }).helmTimeoutMinutes = 15)),
    ).toThrow(/service\.helmTimeoutMinutes/);
  });

  test('when minReplicas exceeds maxReplicas, then synth stops naming service.maxReplicas', () => {
    expect(() => synth('dev', (raw) => ((raw.service as { minReplicas: number }).minReplicas = 9))).toThrow(
      /service\.maxReplicas/,
    );
  });
});
