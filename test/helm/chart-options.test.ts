/**
 * The values for clusters outside EKS and for what a user adds, rendered with the real `helm template`
 * over the minimal variant: the worker's own port (`worker.port`), extra environment variables
 * (`extraEnv`, `api.extraEnv`, `worker.extraEnv`) and static AWS access keys from an existing Secret
 * (`aws.identity.mode: static`, `aws.credentials`); and that none of it is rendered by default.
 */
import {
  containerOf,
  envOf,
  ensureHelm,
  HELM_SETUP_TIMEOUT_MS,
  Manifest,
  ofKind,
  one,
  minimalValues,
  render,
  renderOverMinimal,
  writeValuesFile,
} from './support/chart';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are plain YAML data
type Values = any;

/** Static keys in a cluster outside AWS, as the on-premises or local values set them. */
const STATIC = {
  aws: {
    identity: { mode: 'static', roleArn: '' },
    credentials: { existingSecret: 'aws-keys', keys: { accessKeyId: 'id', secretAccessKey: 'secret' } },
  },
};

describe('chart options for other clusters and extra environment', () => {
  let defaults: Manifest[];

  beforeAll(() => {
    ensureHelm();
    defaults = render([writeValuesFile(minimalValues())]);
  }, HELM_SETUP_TIMEOUT_MS);

  test('when no option is set, then each container gets only its PORT (api 8080, worker 8081) and no AWS key, no extra variable', () => {
    expect(envOf(defaults, 'api')).toEqual([{ name: 'PORT', value: '8080' }]);
    expect(envOf(defaults, 'worker')).toEqual([{ name: 'PORT', value: '8081' }]);
    expect(containerOf(defaults, 'worker').ports).toEqual([
      { name: 'http', containerPort: 8081, protocol: 'TCP' },
    ]);
    // PORT is per container now: the shared ConfigMap no longer carries the api's.
    expect(one(defaults, 'ConfigMap').data.PORT).toBeUndefined();
    expect(JSON.stringify(defaults)).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|secretKeyRef/);
  });

  test('when worker.port is set, then only the worker’s PORT, container port, probes, NetworkPolicy and PodMonitor follow it', () => {
    const manifests = renderOverMinimal({
      worker: { port: 9100 },
      metrics: { serviceMonitor: { enabled: true } },
    });
    const worker = containerOf(manifests, 'worker');
    expect(worker.env).toContainEqual({ name: 'PORT', value: '9100' });
    expect(worker.ports).toEqual([{ name: 'http', containerPort: 9100, protocol: 'TCP' }]);
    // Probes, the NetworkPolicy and the PodMonitor name the port, so they follow it.
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
      expect(worker[probe].httpGet.port).toBe('http');
    const policy = ofKind(manifests, 'NetworkPolicy').find(
      (p) => p.metadata.labels?.['app.kubernetes.io/component'] === 'worker',
    );
    expect(policy!.spec.ingress[0].ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
    expect(one(manifests, 'PodMonitor').spec.podMetricsEndpoints[0].port).toBe('http');
    // The api keeps config.port.
    const api = containerOf(manifests, 'api');
    expect(api.env).toContainEqual({ name: 'PORT', value: '8080' });
    expect(api.ports[0].containerPort).toBe(8080);
  });

  test('when extraEnv and per-component extraEnv are set, then both containers get extraEnv, each only its own list, after the chart’s entries', () => {
    const fieldRef = { fieldRef: { fieldPath: 'metadata.name' } };
    const manifests = renderOverMinimal({
      extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' }],
      api: { extraEnv: [{ name: 'POD_NAME', valueFrom: fieldRef }] },
      worker: { extraEnv: [{ name: 'WORKER_ONLY', value: 'worker' }] },
    });
    expect(envOf(manifests, 'api')).toEqual([
      { name: 'PORT', value: '8080' },
      { name: 'NODE_OPTIONS', value: '--max-old-space-size=384' },
      { name: 'POD_NAME', valueFrom: fieldRef },
    ]);
    expect(envOf(manifests, 'worker')).toEqual([
      { name: 'PORT', value: '8081' },
      { name: 'NODE_OPTIONS', value: '--max-old-space-size=384' },
      { name: 'WORKER_ONLY', value: 'worker' },
    ]);
    // The test pod is not one of the app's containers.
    expect(JSON.stringify(ofKind(manifests, 'Pod'))).not.toContain('NODE_OPTIONS');
  });

  test('when the identity is static, then both containers read the key pair from the Secret by reference, and nothing of IRSA or Pod Identity is rendered', () => {
    const manifests = renderOverMinimal(STATIC);
    const keyRefs = [
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'aws-keys', key: 'id' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'aws-keys', key: 'secret' } } },
    ];
    for (const component of ['api', 'worker']) {
      expect(envOf(manifests, component)).toEqual(expect.arrayContaining(keyRefs));
      // Required keys (not optional): a Secret without them stops the pod at start, naming the key.
      for (const e of envOf(manifests, component).filter((v) => v.name.startsWith('AWS_')))
        expect(e.valueFrom.secretKeyRef.optional).toBeUndefined();
    }
    expect(ofKind(manifests, 'Secret')).toEqual([]);
    expect(one(manifests, 'ServiceAccount').metadata.annotations).toBeUndefined();
    for (const policy of ofKind(manifests, 'NetworkPolicy')) {
      const peers = policy.spec.egress.flatMap((r: Values) => r.to ?? []);
      expect(peers).not.toContainEqual({ ipBlock: { cidr: '169.254.170.23/32' } });
    }
  });

  test('when the identity is static and the app secret comes from a Kubernetes Secret, then the keys and SECRET_KEY are both references, in a fixed order', () => {
    const manifests = renderOverMinimal({ ...STATIC, secrets: { existingSecret: 'app-secrets' } });
    expect(envOf(manifests, 'worker').map((e) => e.name)).toEqual([
      'PORT',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'DB_PASSWORD',
      'SECRET_KEY',
    ]);
    expect(envOf(manifests, 'api').find((e) => e.name === 'SECRET_KEY')!.valueFrom.secretKeyRef).toEqual({
      name: 'app-secrets',
      key: 'secret-key',
      optional: true,
    });
  });

  test('when ingress.wafAclArn is set, then the Ingress names the web ACL for the ALB controller; when empty, it names none', () => {
    const arn =
      'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/eksref-dev/a1b2c3d4-5678-90ab-cdef-1234567890ab';
    const withAcl = one(renderOverMinimal({ ingress: { wafAclArn: arn } }), 'Ingress');
    expect(withAcl.metadata.annotations?.['alb.ingress.kubernetes.io/wafv2-acl-arn']).toBe(arn);
    const without = one(defaults, 'Ingress');
    expect(Object.keys(without.metadata.annotations ?? {}).filter((k) => /waf/.test(k))).toEqual([]);
  });
});
