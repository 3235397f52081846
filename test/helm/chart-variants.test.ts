/**
 * Renders every install variant (helm/eks-service/ci/*-values.yaml) with the real `helm template` and
 * asserts what a cluster operator would notice: security context, probes, autoscaling bounds,
 * disruption budgets, ALB Ingress annotations, labels and selectors that match, the container's
 * environment (names from API.md, accepted by the service's own configuration parser), and that no
 * secret value is ever rendered.
 */
import { mergeValues } from '../../lib/service-chart';
import { loadConfig } from '../../service/src/libraries/config';
import {
  chartDefaults,
  ensureHelm,
  HELM_SETUP_TIMEOUT_MS,
  Manifest,
  ofKind,
  one,
  readValuesFile,
  render,
  VARIANTS,
} from './support/chart';

/** Every variable of API.md's "Configuration (environment)" table. */
const API_ENV_NAMES = new Set([
  'PORT',
  'AWS_REGION',
  'AWS_ENDPOINT_URL',
  'USERS_TABLE',
  'MESSAGES_TABLE',
  'AVATARS_BUCKET',
  'MESSAGES_QUEUE_URL',
  'DYNAMODB_TABLE',
  'S3_BUCKET',
  'REDIS_URL',
  'REDIS_HOST',
  'REDIS_PORT',
  'REDIS_TLS',
  'REDIS_REPLICATION_GROUP_ID',
  'REDIS_AUTH_SECRET_ARN',
  'REDIS_PASSWORD',
  'APP_SECRET_ARN',
  'APP_VERSION',
  'API_BASE_URL',
  'LOG_LEVEL',
  'MAX_CONNECTIONS',
  'SECRET_KEY',
  'DB_PASSWORD',
  'AVATAR_MAX_BYTES',
  'SHUTDOWN_TIMEOUT_MS',
  'MESSAGES_DLQ_URL',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_SERVICE_NAME',
]);
/** The chart's own container env entries that are plain values (no secret): everything else is a secretKeyRef. */
const PLAIN_OWN_ENV = ['PORT', 'MESSAGES_DLQ_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME'];
const ALWAYS_SET = [
  'PORT',
  'AWS_REGION',
  'USERS_TABLE',
  'MESSAGES_TABLE',
  'AVATARS_BUCKET',
  'MESSAGES_QUEUE_URL',
  'APP_VERSION',
  'LOG_LEVEL',
  'SHUTDOWN_TIMEOUT_MS',
];
const REDIS_LOCATORS = ['REDIS_URL', 'REDIS_HOST', 'REDIS_REPLICATION_GROUP_ID'];
const SECRET_ENV_NAMES = ['SECRET_KEY', 'DB_PASSWORD', 'REDIS_PASSWORD'];
/** The AWS SDK's own variables for a static key pair (`aws.identity.mode: static`). */
const AWS_KEY_NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- values are plain YAML data
type Values = any;

const podSpec = (deployment: Manifest) => deployment.spec.template.spec;
const container = (deployment: Manifest) => podSpec(deployment).containers[0];
/** The port a component's process listens on: the api's `config.port`, the worker's `worker.port`. */
const portOf = (component: string, values: Values): number =>
  component === 'api' ? values.config.port : values.worker.port;
/** The names a component gets from `extraEnv` and `<component>.extraEnv`. */
const extraEnvNames = (component: string, values: Values): Set<string> =>
  new Set([...values.extraEnv, ...values[component].extraEnv].map((e: Values) => e.name));

/** The Deployments a variant renders, by component. */
function workloads(manifests: Manifest[], values: Values): Array<[string, Manifest, Values]> {
  const out: Array<[string, Manifest, Values]> = [['api', one(manifests, 'Deployment', 'api'), values.api]];
  if (values.worker.enabled) out.push(['worker', one(manifests, 'Deployment', 'worker'), values.worker]);
  return out;
}

/** The environment a pod gets: ConfigMap data (envFrom) plus explicit env entries. */
function environment(
  manifests: Manifest[],
  deployment: Manifest,
): { names: string[]; plain: Record<string, string> } {
  const c = container(deployment);
  const plain: Record<string, string> = {};
  const names: string[] = [];
  for (const source of c.envFrom ?? []) {
    const cm = ofKind(manifests, 'ConfigMap').find((m) => m.metadata.name === source.configMapRef?.name);
    if (!cm) throw new Error(`envFrom names a ConfigMap that is not rendered: ${JSON.stringify(source)}`);
    Object.assign(plain, cm.data);
    names.push(...Object.keys(cm.data));
  }
  for (const e of c.env ?? []) {
    names.push(e.name);
    if (e.value !== undefined) plain[e.name] = e.value;
  }
  return { names, plain };
}

/**
 * The Checkov skips of an object: `checkov.io/skip<N>: <id>=<reason>` annotations, by id. Checkov splits
 * the value on `=`, so a reason holding one would break the skip: each value has exactly one.
 */
function checkovSkips(manifest: Manifest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(manifest.metadata.annotations ?? {})) {
    if (!key.startsWith('checkov.io/skip')) continue;
    const parts = value.split('=');
    expect(parts).toHaveLength(2);
    out[parts[0]] = parts[1];
  }
  return out;
}

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each(VARIANTS)('the $name variant', ({ file }) => {
  let manifests: Manifest[];
  let values: Values;

  beforeAll(() => {
    ensureHelm();
    values = mergeValues(chartDefaults(), readValuesFile(file));
    manifests = render([file]);
  }, HELM_SETUP_TIMEOUT_MS);

  test('when rendered, then every object carries the app.kubernetes.io labels of the release', () => {
    expect(manifests.length).toBeGreaterThan(0);
    for (const m of manifests) {
      expect(m.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'eks-service',
        'app.kubernetes.io/instance': 'web',
        'app.kubernetes.io/managed-by': 'Helm',
      });
      expect(m.metadata.name.length).toBeLessThanOrEqual(63);
    }
  });

  test('when rendered, then each Deployment selects exactly its own pods and rolls out without losing capacity', () => {
    const deployments = workloads(manifests, values);
    expect(ofKind(manifests, 'Deployment')).toHaveLength(deployments.length);
    for (const [component, d] of deployments) {
      const selector = d.spec.selector.matchLabels;
      expect(selector['app.kubernetes.io/component']).toBe(component);
      expect(matches(selector, d.spec.template.metadata.labels)).toBe(true);
      for (const [other, o] of deployments) {
        if (other !== component) expect(matches(selector, o.spec.template.metadata.labels)).toBe(false);
      }
      expect(d.spec.strategy).toMatchObject({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } });
    }
  });

  test('when rendered, then the pods run restricted: non-root 10001, read-only root, no capabilities, RuntimeDefault seccomp, /tmp as emptyDir', () => {
    for (const [, d] of workloads(manifests, values)) {
      const pod = podSpec(d);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const c = container(d);
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      const tmp = c.volumeMounts.find((v: Values) => v.mountPath === '/tmp');
      expect(pod.volumes.find((v: Values) => v.name === tmp.name)).toHaveProperty('emptyDir');
      expect(c.resources.requests).toEqual(
        expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }),
      );
      expect(c.resources.limits).toEqual(expect.objectContaining({ memory: expect.anything() }));
    }
  });

  test('when rendered, then the api runs server.js and the worker worker.js, each with /healthz startup and liveness and /readyz readiness on its named http port', () => {
    const deployments = workloads(manifests, values);
    expect(deployments.map(([component]) => component)).toEqual(
      values.worker.enabled ? ['api', 'worker'] : ['api'],
    );
    for (const [component, d, w] of deployments) {
      const c = container(d);
      expect(c.command).toEqual(['node', component === 'api' ? 'dist/server.js' : 'dist/worker.js']);
      // Each process listens on its own PORT (an env entry), the worker for probes and /metrics only.
      const port = portOf(component, values);
      expect(c.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
      expect(c.env[0]).toEqual({ name: 'PORT', value: String(port) });
      expect(Number(environment(manifests, d).plain.PORT)).toBe(port);
      expect(c.startupProbe).toEqual({ httpGet: { path: '/healthz', port: 'http' }, ...w.probes.startup });
      expect(c.livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 'http' }, ...w.probes.liveness });
      expect(c.readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 'http' }, ...w.probes.readiness });
      // A cold start gets as long as the api's before liveness counts.
      expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(60);
    }
  });

  test('when a pod is stopped, then its grace period outlasts the preStop sleep plus SHUTDOWN_TIMEOUT_MS', () => {
    for (const [, d] of workloads(manifests, values)) {
      const { plain } = environment(manifests, d);
      const drainSeconds = Number(plain.SHUTDOWN_TIMEOUT_MS) / 1000;
      const preStop = container(d).lifecycle?.preStop?.sleep?.seconds ?? 0;
      expect(podSpec(d).terminationGracePeriodSeconds).toBeGreaterThan(preStop + drainSeconds);
    }
  });

  test('when rendered, then the environment has only API.md names, the required ones, exactly one Redis locator, and the service accepts it', () => {
    for (const [component, d] of workloads(manifests, values)) {
      const { names, plain } = environment(manifests, d);
      // Beyond API.md: the SDK's key pair in static mode, and what the user adds (extraEnv).
      const allowed = new Set([
        ...API_ENV_NAMES,
        ...(values.aws.identity.mode === 'static' ? AWS_KEY_NAMES : []),
        ...extraEnvNames(component, values),
      ]);
      expect(names.filter((n) => !allowed.has(n))).toEqual([]);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toEqual(expect.arrayContaining(ALWAYS_SET));
      expect(names.filter((n) => REDIS_LOCATORS.includes(n))).toHaveLength(1);
      const config = loadConfig(plain, component === 'api' ? 'api' : 'worker');
      expect(config.port).toBe(portOf(component, values));
      expect(config.messagesTable).toBe(values.config.messagesTable);
      expect(config.shutdownTimeoutMs).toBe(values.config.shutdownTimeoutMs);
    }
  });

  test('when rendered, then no secret value appears: secrets come by reference (secretKeyRef or a Secrets Manager ARN) only', () => {
    expect(ofKind(manifests, 'Secret')).toEqual([]);
    const secretOf: Record<string, string> = {
      SECRET_KEY: values.secrets.existingSecret,
      DB_PASSWORD: values.secrets.existingSecret,
      AWS_ACCESS_KEY_ID: values.aws.credentials.existingSecret,
      AWS_SECRET_ACCESS_KEY: values.aws.credentials.existingSecret,
    };
    for (const [component, d] of workloads(manifests, values)) {
      const c = container(d);
      const extra = extraEnvNames(component, values);
      // The chart's own entries: PORT, the DLQ URL and the OTLP settings as values, everything else a
      // secretKeyRef to the Secret it belongs to.
      const own = (c.env as Values[]).filter((e) => !extra.has(e.name));
      for (const e of own) {
        if (PLAIN_OWN_ENV.includes(e.name)) continue;
        expect(e.value).toBeUndefined();
        expect(e.valueFrom.secretKeyRef).toMatchObject({ name: secretOf[e.name] });
      }
      for (const e of c.env as Values[]) {
        if ([...SECRET_ENV_NAMES, ...AWS_KEY_NAMES, 'AWS_SESSION_TOKEN'].includes(e.name))
          expect(e.value).toBeUndefined();
      }
      const { plain } = environment(manifests, d);
      for (const name of SECRET_ENV_NAMES) expect(plain[name]).toBeUndefined();
      if (plain.REDIS_URL) expect(plain.REDIS_URL).not.toContain('@');
      if (plain.REDIS_AUTH_SECRET_ARN)
        expect(plain.REDIS_AUTH_SECRET_ARN).toMatch(/^arn:aws[a-z-]*:secretsmanager:/);
      // The app secret by its ARN only, exactly as given (the api reads SECRET_KEY / DB_PASSWORD from it).
      expect(plain.APP_SECRET_ARN).toBe(values.config.appSecretArn || undefined);
      const referenced = own
        .filter((e) => e.valueFrom?.secretKeyRef)
        .map((e) => e.name)
        .sort();
      expect(referenced).toEqual(
        [
          ...(values.secrets.existingSecret ? ['DB_PASSWORD', 'SECRET_KEY'] : []),
          ...(values.aws.identity.mode === 'static' ? AWS_KEY_NAMES : []),
        ].sort(),
      );
    }
  });

  test('when autoscaling is on, then each HPA targets its Deployment with the configured bounds, CPU and memory targets and a behaviour', () => {
    for (const [component, d, w] of workloads(manifests, values)) {
      const hpas = ofKind(manifests, 'HorizontalPodAutoscaler').filter(
        (h) => h.metadata.labels?.['app.kubernetes.io/component'] === component,
      );
      if (!w.autoscaling.enabled) {
        expect(hpas).toEqual([]);
        expect(d.spec.replicas).toBe(w.replicaCount);
        continue;
      }
      expect(hpas).toHaveLength(1);
      const hpa = hpas[0];
      expect(d.spec.replicas).toBeUndefined();
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: d.metadata.name,
      });
      expect(hpa.spec.minReplicas).toBe(w.autoscaling.minReplicas);
      expect(hpa.spec.maxReplicas).toBe(w.autoscaling.maxReplicas);
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      expect(hpa.spec.metrics.map((m: Values) => m.resource.name).sort()).toEqual(['cpu', 'memory']);
      expect(hpa.spec.behavior.scaleUp.policies.length).toBeGreaterThan(0);
      expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThan(0);
    }
  });

  test('when disruption budgets are on, then each PDB selects its Deployment’s pods and never forbids every eviction', () => {
    for (const [component, d, w] of workloads(manifests, values)) {
      const pdbs = ofKind(manifests, 'PodDisruptionBudget').filter(
        (p) => p.metadata.labels?.['app.kubernetes.io/component'] === component,
      );
      expect(pdbs).toHaveLength(w.podDisruptionBudget.enabled ? 1 : 0);
      if (!w.podDisruptionBudget.enabled) continue;
      const pdb = pdbs[0];
      expect(pdb.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
      const least = w.autoscaling.enabled ? w.autoscaling.minReplicas : w.replicaCount;
      if (pdb.spec.minAvailable !== undefined) expect(pdb.spec.minAvailable).toBeLessThan(least);
      else expect(pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
    }
  });

  test('when topology spread is on, then pods spread over zones and nodes, per rollout revision', () => {
    for (const [, d, w] of workloads(manifests, values)) {
      const constraints = podSpec(d).topologySpreadConstraints;
      if (!w.topologySpread.enabled) {
        expect(constraints).toBeUndefined();
        continue;
      }
      expect(constraints.map((c: Values) => c.topologyKey).sort()).toEqual([
        'kubernetes.io/hostname',
        'topology.kubernetes.io/zone',
      ]);
      for (const c of constraints) {
        expect(c.labelSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
        expect(c.matchLabelKeys).toEqual(['pod-template-hash']);
      }
      const zone = constraints.find((c: Values) => c.topologyKey === 'topology.kubernetes.io/zone');
      expect(zone.whenUnsatisfiable).toBe(w.topologySpread.zone);
    }
  });

  test('when rendered, then the Service sends port 80 to the api pods only, on their http port', () => {
    const service = one(manifests, 'Service');
    const api = one(manifests, 'Deployment', 'api');
    expect(service.spec.selector).toEqual(api.spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([
      { name: 'http', port: values.service.port, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  test('when the Ingress is on, then the ALB serves HTTPS with the certificate, redirects HTTP, uses a TLS 1.3 policy, checks /readyz on ip targets and publishes the host', () => {
    const ingresses = ofKind(manifests, 'Ingress');
    if (!values.ingress.enabled) {
      expect(ingresses).toEqual([]);
      return;
    }
    expect(ingresses).toHaveLength(1);
    const ingress = ingresses[0];
    expect(ingress.spec.ingressClassName).toBe('alb');
    expect(ingress.metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/scheme': values.ingress.scheme,
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
      'alb.ingress.kubernetes.io/certificate-arn': values.ingress.certificateArn,
      'alb.ingress.kubernetes.io/ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      'alb.ingress.kubernetes.io/healthcheck-path': '/readyz',
      'external-dns.alpha.kubernetes.io/hostname': values.ingress.host,
    });
    // The web ACL only where the variant names one (prod: the stage's WAF).
    expect(ingress.metadata.annotations?.['alb.ingress.kubernetes.io/wafv2-acl-arn']).toBe(
      values.ingress.wafAclArn || undefined,
    );
    expect(
      JSON.parse(ingress.metadata.annotations?.['alb.ingress.kubernetes.io/listen-ports'] ?? 'null'),
    ).toEqual([{ HTTP: 80 }, { HTTPS: 443 }]);
    const [rule] = ingress.spec.rules;
    expect(rule.host).toBe(values.ingress.host);
    expect(rule.http.paths[0].backend.service).toEqual({
      name: one(manifests, 'Service').metadata.name,
      port: { name: 'http' },
    });
  });

  test('when rendered, then the ServiceAccount carries the IRSA role annotation in irsa mode only', () => {
    const sa = one(manifests, 'ServiceAccount');
    for (const [, d] of workloads(manifests, values))
      expect(podSpec(d).serviceAccountName).toBe(sa.metadata.name);
    const annotation = sa.metadata.annotations?.['eks.amazonaws.com/role-arn'];
    if (values.aws.identity.mode === 'irsa') expect(annotation).toBe(values.aws.identity.roleArn);
    else expect(annotation).toBeUndefined();
  });

  test('when NetworkPolicies are on, then the api and the worker admit only their http port (from ingressFrom), and egress is DNS, HTTPS, Redis for the api only (plus the Pod Identity agent, the OTLP collector)', () => {
    const policies = ofKind(manifests, 'NetworkPolicy');
    if (!values.networkPolicy.enabled) {
      expect(policies).toEqual([]);
      return;
    }
    for (const [component, d] of workloads(manifests, values)) {
      const policy = policies.find((p) => p.metadata.labels?.['app.kubernetes.io/component'] === component);
      expect(policy).toBeDefined();
      expect(policy!.spec.podSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
      expect(policy!.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy!.spec.ingress.map((r: Values) => r.ports)).toEqual([[{ port: 'http', protocol: 'TCP' }]]);
      const from = policy!.spec.ingress[0].from;
      if (values.networkPolicy.ingressFrom.length === 0) expect(from).toBeUndefined();
      else expect(from).toEqual(expect.arrayContaining(values.networkPolicy.ingressFrom));
      // Only the api is called by the helm test pod.
      const admitsTestPod = (from ?? []).some(
        (peer: Values) => peer.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'test',
      );
      expect(admitsTestPod).toBe(component === 'api' && values.networkPolicy.ingressFrom.length > 0);
      const egressPorts = policy!.spec.egress.flatMap((r: Values) => r.ports.map((p: Values) => p.port));
      const expected = [53, 53, 443];
      if (component === 'api') expected.push(Number(values.config.redis.port));
      if (values.aws.identity.mode === 'pod-identity') expected.push(80);
      if (values.tracing.enabled) {
        const otlp = new URL(values.tracing.otlpEndpoint);
        expected.push(Number(otlp.port || (otlp.protocol === 'https:' ? 443 : 80)));
      }
      for (const rule of values.networkPolicy.egress.extra)
        expected.push(...(rule.ports ?? []).map((p: Values) => p.port));
      expect(egressPorts.sort()).toEqual(expected.sort());
    }
    // The helm test pod: no ingress, egress to DNS and the api pods' http port only.
    const testPolicy = policies.find((p) => p.metadata.labels?.['app.kubernetes.io/component'] === 'test');
    if (!values.tests.enabled) {
      expect(testPolicy).toBeUndefined();
      return;
    }
    const testPod = one(manifests, 'Pod');
    expect(matches(testPolicy!.spec.podSelector.matchLabels, testPod.metadata.labels)).toBe(true);
    expect(testPolicy!.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(testPolicy!.spec.ingress).toBeUndefined();
    const [dns, api] = testPolicy!.spec.egress;
    expect(dns.ports.map((p: Values) => p.port)).toEqual([53, 53]);
    expect(api.to).toEqual([
      { podSelector: { matchLabels: one(manifests, 'Deployment', 'api').spec.selector.matchLabels } },
    ]);
    expect(api.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
    expect(testPolicy!.spec.egress).toHaveLength(2);
  });

  test('when rendered, then the helm test hook calls /healthz through the Service', () => {
    const tests = ofKind(manifests, 'Pod');
    if (!values.tests.enabled) {
      expect(tests).toEqual([]);
      return;
    }
    expect(tests).toHaveLength(1);
    const pod = tests[0];
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const args = pod.spec.containers[0].command.join(' ');
    expect(args).toContain(
      `http://${one(manifests, 'Service').metadata.name}:${values.service.port}/healthz`,
    );
    expect(pod.spec.containers[0].securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    });
    // Checkov's probe checks do not apply to a one-shot client; the skips say why, at the pod.
    expect(Object.keys(checkovSkips(pod))).toEqual(expect.arrayContaining(['CKV_K8S_8', 'CKV_K8S_9']));
  });

  test('when rendered, then every Checkov skip names a check and a reason, and appears only where the values make it apply', () => {
    const skips = (m: Manifest) => Object.keys(checkovSkips(m)).sort();
    const byDigest = Boolean(values.image.digest);
    const secretEnv = values.aws.identity.mode === 'static' || Boolean(values.secrets.existingSecret);
    for (const [, deployment] of workloads(manifests, values)) {
      const expected = [
        ...(byDigest ? [] : ['CKV_K8S_43']),
        ...(byDigest || values.image.pullPolicy === 'Always' ? [] : ['CKV_K8S_15']),
        ...(secretEnv ? ['CKV_K8S_35'] : []),
        ...(values.networkPolicy.enabled ? [] : ['CKV2_K8S_6']),
      ].sort();
      expect(skips(deployment)).toEqual(expected);
    }
    for (const m of manifests) {
      for (const [id, reason] of Object.entries(checkovSkips(m))) {
        expect(id).toMatch(/^CKV2?_K8S_\d+$/);
        expect(reason.length).toBeGreaterThan(40);
      }
    }
  });

  test('when observability is on, then a ServiceMonitor scrapes /metrics of the api, a PodMonitor that of the worker pods, and the dashboard ConfigMap holds valid JSON', () => {
    const sm = values.metrics.serviceMonitor;
    const monitors = ofKind(manifests, 'ServiceMonitor');
    expect(monitors).toHaveLength(sm.enabled ? 1 : 0);
    if (monitors.length) {
      expect(monitors[0].spec.selector.matchLabels).toEqual(one(manifests, 'Service').spec.selector);
      expect(monitors[0].spec.endpoints).toEqual([
        expect.objectContaining({ port: 'http', path: '/metrics' }),
      ]);
    }
    const podMonitors = ofKind(manifests, 'PodMonitor');
    expect(podMonitors).toHaveLength(sm.enabled && values.worker.enabled ? 1 : 0);
    if (podMonitors.length) {
      const worker = one(manifests, 'Deployment', 'worker');
      expect(podMonitors[0].metadata.labels).toMatchObject(sm.labels);
      expect(podMonitors[0].spec.selector.matchLabels).toEqual(worker.spec.selector.matchLabels);
      expect(podMonitors[0].spec.namespaceSelector).toEqual({ matchNames: [worker.metadata.namespace] });
      expect(podMonitors[0].spec.podMetricsEndpoints).toEqual([
        { port: 'http', path: '/metrics', interval: sm.interval, scrapeTimeout: sm.scrapeTimeout },
      ]);
      expect(container(worker).ports.map((p: Values) => p.name)).toContain('http');
    }
    const dashboards = ofKind(manifests, 'ConfigMap').filter(
      (m) => m.metadata.labels?.grafana_dashboard === '1',
    );
    expect(dashboards).toHaveLength(values.metrics.grafanaDashboard.enabled ? 1 : 0);
    for (const d of dashboards) {
      for (const json of Object.values(d.data) as string[])
        expect(JSON.parse(json).panels.length).toBeGreaterThan(0);
    }
  });
});

describe('the variants together', () => {
  test('when listed, then there is at least a minimal, a dev, a prod and an on-premises variant', () => {
    expect(VARIANTS.map((v) => v.name)).toEqual(expect.arrayContaining(['minimal', 'dev', 'prod', 'onprem']));
  });

  test(
    'when the prod variant renders, then its api keeps 2 of 3-12 pods and pins the image by digest',
    () => {
      ensureHelm();
      const manifests = render([VARIANTS.find((v) => v.name === 'prod')!.file]);
      const hpa = one(manifests, 'HorizontalPodAutoscaler', 'api');
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 12]);
      expect(one(manifests, 'PodDisruptionBudget', 'api').spec.minAvailable).toBe(2);
      expect(container(one(manifests, 'Deployment', 'api')).image).toMatch(/@sha256:[a-f0-9]{64}$/);
    },
    HELM_SETUP_TIMEOUT_MS,
  );
});
