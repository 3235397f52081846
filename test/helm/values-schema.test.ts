/**
 * A bad values file must stop `helm template` (Helm validates values.schema.json, and the chart's
 * own checks fail the render) with a message that names the offending key.
 */
import { mergeValues } from '../../lib/service-chart';
import {
  ensureHelm,
  HELM_SETUP_TIMEOUT_MS,
  minimalValues,
  render,
  renderFailure,
  writeValuesFile,
} from './support/chart';

/** Each case: the minimal variant with one change merged over it, and what the error must say. */
const cases: Array<[string, Record<string, unknown>, RegExp]> = [
  ['an empty image repository', { image: { repository: '' } }, /\/image\/repository/],
  ['an image digest that is not sha256', { image: { digest: 'latest' } }, /\/image\/digest/],
  ['an unknown identity mode', { aws: { identity: { mode: 'kiam' } } }, /\/aws\/identity\/mode/],
  [
    'irsa mode without a role ARN',
    { aws: { identity: { mode: 'irsa', roleArn: '' } } },
    /\/aws\/identity\/roleArn/,
  ],
  [
    'a role ARN that is not an IAM role',
    { aws: { identity: { roleArn: 'my-role' } } },
    /\/aws\/identity\/roleArn/,
  ],
  ['a region that is not one', { aws: { region: 'Europe' } }, /\/aws\/region/],
  ['a port given as a name', { config: { port: 'http' } }, /\/config\/port/],
  ['an unknown log level', { config: { logLevel: 'loud' } }, /\/config\/logLevel/],
  ['a drain time below one second', { config: { shutdownTimeoutMs: 10 } }, /\/config\/shutdownTimeoutMs/],
  ['a missing users table', { config: { usersTable: '' } }, /\/config\/usersTable/],
  [
    'a queue URL that is not a URL',
    { config: { messagesQueueUrl: 'eksref-dev-messages' } },
    /\/config\/messagesQueueUrl/,
  ],
  [
    'a Redis URL carrying a password',
    { config: { redis: { replicationGroupId: '', url: 'rediss://:hunter2@cache:6379' } } },
    /\/config\/redis\/url/,
  ],
  [
    'a Redis AUTH secret that is not a Secrets Manager ARN',
    { config: { redis: { authSecretArn: 's3cr3t' } } },
    /\/config\/redis\/authSecretArn/,
  ],
  [
    'an app secret that is not a Secrets Manager ARN',
    { config: { appSecretArn: 'hunter2' } },
    /\/config\/appSecretArn/,
  ],
  ['an app secret ARN of the wrong type', { config: { appSecretArn: 42 } }, /\/config\/appSecretArn/],
  [
    'a worker probe period of zero',
    { worker: { probes: { liveness: { periodSeconds: 0 } } } },
    /\/worker\/probes\/liveness\/periodSeconds/,
  ],
  ['a worker probe timing as text', { worker: { probes: { startup: '60s' } } }, /\/worker\/probes\/startup/],
  ['an unknown key in a chart section', { api: { replicas: 3 } }, /\/api.*replicas|replicas.*\/api/],
  ['an unknown top-level key', { extraVolumes: [{ name: 'data' }] }, /extraVolumes/],
  [
    'a secret given as a literal value in extraEnv',
    { extraEnv: [{ name: 'SECRET_KEY', value: 'hunter2' }] },
    /\/extraEnv\/0/,
  ],
  [
    'an AWS secret key given as a literal value in worker.extraEnv',
    { worker: { extraEnv: [{ name: 'AWS_SECRET_ACCESS_KEY', value: 'test' }] } },
    /\/worker\/extraEnv\/0/,
  ],
  [
    'PORT in extraEnv (it is config.port / worker.port)',
    { extraEnv: [{ name: 'PORT', value: '9000' }] },
    /\/extraEnv\/0\/name/,
  ],
  [
    'an extraEnv value that is not a string',
    { api: { extraEnv: [{ name: 'RETRIES', value: 3 }] } },
    /\/api\/extraEnv\/0\/value/,
  ],
  [
    'an extraEnv entry with both value and valueFrom',
    { extraEnv: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
    /\/extraEnv\/0/,
  ],
  ['a worker port of zero', { worker: { port: 0 } }, /\/worker\/port/],
  ['a worker port given as a name', { worker: { port: 'metrics' } }, /\/worker\/port/],
  [
    'static identity without a credentials Secret',
    { aws: { identity: { mode: 'static' } } },
    /\/aws\/credentials\/existingSecret/,
  ],
  [
    'a credentials Secret with an IAM role identity (the keys would shadow the role)',
    { aws: { credentials: { existingSecret: 'aws-keys' } } },
    /\/aws\/credentials\/existingSecret/,
  ],
  [
    'an empty credentials key name',
    {
      aws: {
        identity: { mode: 'static' },
        credentials: { existingSecret: 'aws-keys', keys: { accessKeyId: '' } },
      },
    },
    /\/aws\/credentials\/keys\/accessKeyId/,
  ],
  ['an Ingress without a certificate', { ingress: { certificateArn: '' } }, /\/ingress\/certificateArn/],
  [
    'an Ingress host that is not a host name',
    { ingress: { host: 'https://api.example.com/' } },
    /\/ingress\/host/,
  ],
  ['an unknown load balancer scheme', { ingress: { scheme: 'public' } }, /\/ingress\/scheme/],
  [
    'a WAF ACL ARN that is not a regional web ACL',
    { ingress: { wafAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/a1b2c3d4' } },
    /\/ingress\/wafAclArn/,
  ],
  ['a root pod', { podSecurityContext: { runAsNonRoot: false } }, /\/podSecurityContext\/runAsNonRoot/],
  [
    'a container allowed to escalate privileges',
    { securityContext: { allowPrivilegeEscalation: true } },
    /\/securityContext\/allowPrivilegeEscalation/,
  ],
  [
    'capabilities not dropped',
    { securityContext: { capabilities: { drop: ['NET_RAW'] } } },
    /\/securityContext\/capabilities\/drop/,
  ],
  [
    'an HPA with no pods',
    { worker: { autoscaling: { maxReplicas: 0 } } },
    /\/worker\/autoscaling\/maxReplicas/,
  ],
  [
    'an unknown topology spread policy',
    { api: { topologySpread: { zone: 'Sometimes' } } },
    /\/api\/topologySpread\/zone/,
  ],
  [
    'a PDB percentage that is not one',
    { api: { podDisruptionBudget: { maxUnavailable: 'half' } } },
    /\/api\/podDisruptionBudget\/maxUnavailable/,
  ],
  // Checks across keys, made by the templates:
  [
    'a grace period shorter than preStop plus the drain time',
    { config: { shutdownTimeoutMs: 30000 } },
    /api\.terminationGracePeriodSeconds \(30\) must exceed api\.preStopSleepSeconds \+ config\.shutdownTimeoutMs\/1000 \(40\)/,
  ],
  [
    'two Redis locations',
    { config: { redis: { host: 'cache.internal' } } },
    /config\.redis: set exactly one of url, host or replicationGroupId/,
  ],
  [
    'no Redis location',
    { config: { redis: { replicationGroupId: '' } } },
    /config\.redis: set exactly one of url, host or replicationGroupId/,
  ],
  [
    'an HPA whose minimum exceeds its maximum',
    { api: { autoscaling: { minReplicas: 5, maxReplicas: 3 } } },
    /api\.autoscaling\.minReplicas \(5\) must not exceed api\.autoscaling\.maxReplicas \(3\)/,
  ],
];

describe('values validation', () => {
  beforeAll(() => ensureHelm(), HELM_SETUP_TIMEOUT_MS);

  test('when the minimal values are given, then the chart renders (the cases below each change one thing)', () => {
    expect(render([writeValuesFile(minimalValues())]).length).toBeGreaterThan(0);
  });

  test.each(cases)(
    'when the values have %s, then helm refuses to render and names the key',
    (_what, change, message) => {
      const result = renderFailure([writeValuesFile(mergeValues(minimalValues(), change))]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(message);
    },
  );
});
