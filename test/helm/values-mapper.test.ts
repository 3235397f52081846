/**
 * The CDK service stack's typed values mapper against the real chart: its output, merged over the
 * chart's defaults as Helm merges it, validates against values.schema.json (ajv), uses only keys of
 * values.yaml, and renders with `helm template` into the environment and annotations it promises.
 */
import fs from 'fs';
import path from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

import { mergeValues, serviceChartValues, ServiceChartValuesInput } from '../../lib/service-chart';
import {
  CHART_DIR,
  chartDefaults,
  envOf,
  ensureHelm,
  Field,
  HELM_SETUP_TIMEOUT_MS,
  Manifest,
  ofKind,
  one,
  render,
  writeValuesFile,
} from './support/chart';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/eksref-dev-service-app';

const irsaInput: ServiceChartValuesInput = {
  image: {
    repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets',
    tag: 'abc123def',
  },
  identity: { mode: 'irsa', roleArn: ROLE_ARN },
  serviceAccountName: 'eks-service',
  region: 'eu-west-1',
  usersTableName: 'eksref-dev-users',
  messagesTableName: 'eksref-dev-messages',
  avatarsBucketName: 'eksref-dev-avatars-123456789012',
  messagesQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/eksref-dev-messages',
  appSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:eksref-dev-app-AbCdEf',
  redis: {
    replicationGroupId: 'eksref-dev-cache',
    tls: true,
    authSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:eksref-dev-redis-auth-AbCdEf',
  },
  appVersion: '0.1.0',
  logLevel: 'debug',
  hostName: 'api.dev.example.com',
  certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
  apiReplicas: { minReplicas: 2, maxReplicas: 8 },
  workerReplicas: { minReplicas: 1, maxReplicas: 3 },
  vpcCidr: '10.10.0.0/16',
};

const podIdentityInput: ServiceChartValuesInput = {
  ...irsaInput,
  identity: { mode: 'pod-identity', roleArn: ROLE_ARN },
  redis: { host: 'master.eksref-dev-cache.abcdef.euw1.cache.amazonaws.com', port: '6379', tls: true },
  appSecretArn: undefined,
  appVersion: undefined,
  logLevel: undefined,
  apiReplicas: undefined,
  workerReplicas: undefined,
  vpcCidr: undefined,
  overrides: { api: { terminationGracePeriodSeconds: 60 }, metrics: { serviceMonitor: { enabled: true } } },
};

/** A cluster outside AWS against an emulator: static keys and the app secret from Kubernetes Secrets, no Ingress. */
const staticInput: ServiceChartValuesInput = {
  image: { repository: 'localhost/eks-service', tag: 'dev-1' },
  identity: { mode: 'static', credentialsSecret: 'eks-service-aws-credentials' },
  serviceAccountName: 'eks-service',
  region: 'us-east-1',
  endpointUrl: 'http://10.220.0.1:4566',
  usersTableName: 'eksref-local-users',
  messagesTableName: 'eksref-local-messages',
  avatarsBucketName: 'eksref-local-avatars',
  messagesQueueUrl: 'http://127.0.0.1:4566/000000000000/eksref-local-messages',
  redis: { url: 'redis://10.220.0.1:6379', port: 6379 },
  existingAppSecret: 'eks-service-app',
  appVersion: '0.1.0',
};

const schema = JSON.parse(fs.readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** Key paths of every leaf (arrays count as leaves), e.g. `config.redis.port`. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}
/** Every key path of values.yaml, leaves and objects alike. */
function knownPaths(value: unknown, prefix = ''): Set<string> {
  const out = new Set<string>(prefix ? [prefix] : []);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value))
      knownPaths(v, prefix ? `${prefix}.${k}` : k).forEach((p) => out.add(p));
  }
  return out;
}
/** Free-form maps in values.yaml (Kubernetes objects, labels) whose keys the mapper may choose. */
const FREE_FORM =
  /^(api|worker)\.(autoscaling\.behavior|resources|affinity|podLabels|podAnnotations|nodeSelector)\.|^(commonLabels|serviceAccount\.annotations|ingress\.annotations|service\.annotations)\./;

describe.each([
  ['irsa', irsaInput],
  ['pod-identity', podIdentityInput],
  ['static', staticInput],
])('the mapper in %s mode', (_mode, input) => {
  let values: ReturnType<typeof serviceChartValues>;
  let manifests: Manifest[];

  beforeAll(() => {
    ensureHelm();
    values = serviceChartValues(input);
    manifests = render([writeValuesFile(values)]);
  }, HELM_SETUP_TIMEOUT_MS);

  test('when its output is merged over the chart defaults, then it validates against values.schema.json', () => {
    const merged = mergeValues(chartDefaults(), values);
    const ok = validate(merged);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('when its output is listed key by key, then every key exists in values.yaml', () => {
    const known = knownPaths(chartDefaults());
    const unknown = leafPaths(values).filter((p) => !known.has(p) && !FREE_FORM.test(p));
    expect(unknown).toEqual([]);
  });

  test('when rendered with helm template, then the pods get the stacks’ names and the release’s identity', () => {
    const config = one(manifests, 'ConfigMap').data;
    expect(config).toMatchObject({
      AWS_REGION: input.region,
      USERS_TABLE: input.usersTableName,
      MESSAGES_TABLE: input.messagesTableName,
      AVATARS_BUCKET: input.avatarsBucketName,
      MESSAGES_QUEUE_URL: input.messagesQueueUrl,
      APP_VERSION: input.appVersion ?? input.image.tag,
      LOG_LEVEL: input.logLevel ?? 'info',
    });
    expect(config.APP_SECRET_ARN).toBe(input.appSecretArn);
    expect(config.AWS_ENDPOINT_URL).toBe(input.endpointUrl);
    if (input.redis.replicationGroupId)
      expect(config.REDIS_REPLICATION_GROUP_ID).toBe(input.redis.replicationGroupId);
    if (input.redis.host) expect([config.REDIS_HOST, config.REDIS_PORT]).toEqual([input.redis.host, '6379']);
    if (input.redis.url) expect(config.REDIS_URL).toBe(input.redis.url);
    const deployment = one(manifests, 'Deployment', 'api');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe(`${input.image.repository}:${input.image.tag}`);
    const sa = one(manifests, 'ServiceAccount');
    expect(sa.metadata.name).toBe(input.serviceAccountName);
    expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe(
      input.identity.mode === 'irsa' ? input.identity.roleArn : undefined,
    );
    const refs = Object.fromEntries(
      (container.env as Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string } } }>)
        .filter((e) => e.valueFrom?.secretKeyRef)
        .map((e) => [e.name, e.valueFrom!.secretKeyRef!.name]),
    );
    expect(refs).toEqual({
      ...(input.identity.mode === 'static' && {
        AWS_ACCESS_KEY_ID: input.identity.credentialsSecret,
        AWS_SECRET_ACCESS_KEY: input.identity.credentialsSecret,
      }),
      ...(input.existingAppSecret && {
        SECRET_KEY: input.existingAppSecret,
        DB_PASSWORD: input.existingAppSecret,
      }),
    });
    if (!input.hostName) {
      expect(manifests.filter((m) => m.kind === 'Ingress')).toEqual([]);
      return;
    }
    const ingress = one(manifests, 'Ingress');
    expect(ingress.spec.rules[0].host).toBe(input.hostName);
    expect(ingress.metadata.annotations?.['alb.ingress.kubernetes.io/certificate-arn']).toBe(
      input.certificateArn,
    );
  });

  test('when replica bounds or overrides are given, then they reach the HPA and the pods', () => {
    const hpa = one(manifests, 'HorizontalPodAutoscaler', 'api');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual(
      input.apiReplicas ? [input.apiReplicas.minReplicas, input.apiReplicas.maxReplicas] : [2, 6],
    );
    const grace = one(manifests, 'Deployment', 'api').spec.template.spec.terminationGracePeriodSeconds;
    expect(grace).toBe(input.overrides ? 60 : 30);
    expect(manifests.some((m) => m.kind === 'ServiceMonitor')).toBe(Boolean(input.overrides));
  });
});

describe('the mapper’s own checks', () => {
  test('when the inputs are CDK tokens, then it maps them without judging their format', () => {
    const token = (n: number) => `\${Token[TOKEN.${n}]}`;
    const values = serviceChartValues({
      ...irsaInput,
      image: { repository: token(1), tag: token(2) },
      identity: { mode: 'irsa', roleArn: token(3) },
      region: token(4),
      messagesQueueUrl: token(5),
      redis: { replicationGroupId: token(6), authSecretArn: token(7) },
      certificateArn: token(8),
      appSecretArn: token(9),
    });
    expect(values.aws?.identity).toEqual({ mode: 'irsa', roleArn: token(3) });
    expect(values.config?.redis).toEqual({ replicationGroupId: token(6), authSecretArn: token(7) });
    expect(values.ingress?.certificateArn).toBe(token(8));
    expect(values.config?.appSecretArn).toBe(token(9));
  });

  test('when Redis has no location or two, then it throws naming the props', () => {
    expect(() => serviceChartValues({ ...irsaInput, redis: { tls: true } })).toThrow(
      /redis needs exactly one of replicationGroupId, host or url \(got none\)/,
    );
    expect(() => serviceChartValues({ ...irsaInput, redis: { host: 'a', url: 'redis://a:6379' } })).toThrow(
      /redis needs exactly one of replicationGroupId, host or url \(got host, url\)/,
    );
  });

  test('when the replica minimum exceeds the maximum, then it throws naming both', () => {
    expect(() =>
      serviceChartValues({ ...irsaInput, workerReplicas: { minReplicas: 4, maxReplicas: 2 } }),
    ).toThrow(/minReplicas \(4\) must not exceed maxReplicas \(2\)/);
  });

  test('when overrides replace a list and set a nested key, then objects merge and lists are replaced', () => {
    const values = serviceChartValues({
      ...irsaInput,
      overrides: { networkPolicy: { egress: { awsApiCidrs: ['10.0.0.0/8'] } }, config: { logLevel: 'warn' } },
    });
    expect(values.networkPolicy?.egress).toEqual({
      awsApiCidrs: ['10.0.0.0/8'],
      redisCidrs: ['10.10.0.0/16'],
    });
    expect(values.config?.logLevel).toBe('warn');
    expect(values.config?.usersTable).toBe(irsaInput.usersTableName);
  });

  test('when the identity is pod-identity, then no role ARN is passed to the chart', () => {
    expect(serviceChartValues(podIdentityInput).aws?.identity).toEqual({ mode: 'pod-identity' });
  });

  test('when the inputs are what the CDK service stack passes, then nothing of the newer options appears', () => {
    const values = serviceChartValues(irsaInput);
    expect(values.aws).toEqual({
      region: irsaInput.region,
      identity: { mode: 'irsa', roleArn: ROLE_ARN },
    });
    expect(values.ingress).toEqual({
      enabled: true,
      host: irsaInput.hostName,
      certificateArn: irsaInput.certificateArn,
    });
    expect(Object.keys(values).sort()).toEqual(
      ['api', 'aws', 'config', 'image', 'ingress', 'networkPolicy', 'serviceAccount', 'worker'].sort(),
    );
  });

  test('when the identity is static, then the keys come from the named Secret (with the chart’s key names unless given) and no role', () => {
    expect(serviceChartValues(staticInput).aws).toEqual({
      region: 'us-east-1',
      endpointUrl: 'http://10.220.0.1:4566',
      identity: { mode: 'static' },
      credentials: { existingSecret: 'eks-service-aws-credentials' },
    });
    const keys = { accessKeyId: 'id', secretAccessKey: 'secret' };
    expect(
      serviceChartValues({ ...staticInput, identity: { mode: 'static', credentialsSecret: 'k', keys } }).aws
        ?.credentials,
    ).toEqual({ existingSecret: 'k', keys });
    expect(() =>
      serviceChartValues({ ...staticInput, identity: { mode: 'static', credentialsSecret: '' } }),
    ).toThrow(/identity mode static needs credentialsSecret/);
  });

  test('when there is no host name and no certificate, then the Ingress is off; when only one is given, it throws naming both', () => {
    expect(serviceChartValues(staticInput).ingress).toEqual({ enabled: false });
    expect(() => serviceChartValues({ ...staticInput, hostName: 'api.example.com' })).toThrow(
      /hostName and certificateArn go together \(got only hostName\)/,
    );
    expect(() => serviceChartValues({ ...irsaInput, hostName: undefined })).toThrow(
      /hostName and certificateArn go together \(got only certificateArn\)/,
    );
  });

  test('when a web ACL is given, then it becomes ingress.wafAclArn, renders as the ALB annotation, and without an Ingress it throws', () => {
    const wafAclArn =
      'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/eksref-dev/a1b2c3d4-5678-90ab-cdef-1234567890ab';
    const values = serviceChartValues({ ...irsaInput, wafAclArn });
    expect(values.ingress).toEqual({
      enabled: true,
      host: irsaInput.hostName,
      certificateArn: irsaInput.certificateArn,
      wafAclArn,
    });
    expect(validate(mergeValues(chartDefaults(), values))).toBe(true);
    const ingress = one(render([writeValuesFile(values)]), 'Ingress');
    expect(ingress.metadata.annotations?.['alb.ingress.kubernetes.io/wafv2-acl-arn']).toBe(wafAclArn);
    expect(() => serviceChartValues({ ...staticInput, wafAclArn })).toThrow(/wafAclArn needs the Ingress/);
  });

  test('when deadLetterQueueUrl, tracingEndpoint and monitoring are given, then the worker gets MESSAGES_DLQ_URL, both Deployments tracing with VPC-narrowed egress, and the four monitoring objects render; without them none of it', () => {
    const dlq = 'https://sqs.eu-west-1.amazonaws.com/123456789012/eksref-dev-messages-dlq';
    const endpoint = 'http://adot-collector.opentelemetry:4318';
    const values = serviceChartValues({
      ...irsaInput,
      deadLetterQueueUrl: dlq,
      tracingEndpoint: endpoint,
      monitoring: true,
    });
    expect(validate(mergeValues(chartDefaults(), values))).toBe(true);
    const manifests = render([writeValuesFile(values)]);
    expect(envOf(manifests, 'worker')).toContainEqual({ name: 'MESSAGES_DLQ_URL', value: dlq });
    for (const component of ['api', 'worker']) {
      expect(envOf(manifests, component)).toContainEqual({
        name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
        value: endpoint,
      });
      const otlp = one(manifests, 'NetworkPolicy', component).spec.egress.find((e: Field) =>
        e.ports.some((p: Field) => p.port === 4318),
      );
      expect(otlp.to).toEqual([{ ipBlock: { cidr: irsaInput.vpcCidr } }]);
    }
    for (const kind of ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'])
      expect(ofKind(manifests, kind)).toHaveLength(1);
    expect(ofKind(manifests, 'ConfigMap').map((c) => c.metadata.name)).toContain('web-eks-service-dashboard');

    const plain = serviceChartValues(irsaInput);
    expect(plain).not.toHaveProperty('tracing');
    expect(plain).not.toHaveProperty('metrics');
    expect(plain.config).not.toHaveProperty('messagesDeadLetterQueueUrl');
  });

  test('when an existing Kubernetes Secret holds the app secret, then it becomes secrets.existingSecret and no ARN is passed', () => {
    const values = serviceChartValues(staticInput);
    expect(values.secrets).toEqual({ existingSecret: 'eks-service-app' });
    expect(values.config?.appSecretArn).toBeUndefined();
  });
});
