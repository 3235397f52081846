/**
 * Monitoring and tracing in the chart, rendered with the real `helm template` over the minimal variant:
 * the PrometheusRule and its thresholds, the Grafana dashboard ConfigMap's sidecar label, the worker's
 * dead-letter queue URL, the OTLP environment of both Deployments and its NetworkPolicy egress (the
 * mapper's inputs for them: test/helm/values-mapper.test.ts). What the alerts do is unit-tested by promtool
 * (local/checks/promtool.sh, test/helm/alerts/).
 */
import { mergeValues } from '../../lib/service-chart';
import { createMetrics } from '../../service/src/libraries/metrics';
import {
  envOf,
  ensureHelm,
  Field,
  HELM_SETUP_TIMEOUT_MS,
  Manifest,
  minimalValues,
  ofKind,
  one,
  render,
  renderFailure,
  renderOverMinimal,
  writeValuesFile,
} from './support/chart';

const envNames = (manifests: Manifest[], component: string): string[] =>
  envOf(manifests, component).map((e) => e.name);
const rules = (manifests: Manifest[]): Field[] =>
  one(manifests, 'PrometheusRule').spec.groups.flatMap((g: Field) => g.rules);
const rule = (manifests: Manifest[], alert: string): Field => {
  const found = rules(manifests).find((r) => r.alert === alert);
  if (!found) throw new Error(`no alert ${alert}`);
  return found;
};
/** The egress ports of one component's NetworkPolicy. */
const egressPorts = (manifests: Manifest[], component: string): number[] =>
  one(manifests, 'NetworkPolicy', component).spec.egress.flatMap((e: Field) =>
    (e.ports ?? []).map((p: Field) => p.port),
  );

const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/eksref-dev-messages-dlq';
const TRACING = { tracing: { enabled: true, otlpEndpoint: 'http://adot-collector.opentelemetry:4318' } };

const ALERTS = [
  'ApiHighErrorRatio',
  'ApiHighLatencyP99',
  'RedisUnavailable',
  'RedisErrors',
  'WorkerHighFailureRatio',
  'DeadLetterQueueNotEmpty',
  'PodReadinessFlapping',
];

describe('monitoring and tracing in the chart', () => {
  let defaults: Manifest[];

  beforeAll(() => {
    ensureHelm();
    defaults = render([writeValuesFile(minimalValues())]);
  }, HELM_SETUP_TIMEOUT_MS);

  test('when nothing is turned on, then no PrometheusRule, no dashboard, no tracing variable, no DLQ variable and no OTLP egress are rendered', () => {
    expect(ofKind(defaults, 'PrometheusRule')).toEqual([]);
    expect(ofKind(defaults, 'ConfigMap').map((c) => c.metadata.name)).toEqual(['web-eks-service']);
    for (const component of ['api', 'worker']) {
      expect(envNames(defaults, component)).toEqual(['PORT']);
      expect(egressPorts(defaults, component)).not.toContain(4318);
    }
  });

  test('when metrics.prometheusRule.enabled is set, then one PrometheusRule carries the seven alerts, each with a severity and a summary', () => {
    const manifests = renderOverMinimal({
      metrics: { prometheusRule: { enabled: true, labels: { release: 'kps' } } },
    });
    const pr = one(manifests, 'PrometheusRule');
    expect(pr.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(pr.metadata.labels?.release).toBe('kps');
    expect(rules(manifests).map((r) => r.alert)).toEqual(ALERTS);
    for (const r of rules(manifests)) {
      expect(r.labels.severity).toMatch(/^(critical|warning)$/);
      expect(r.annotations.summary).toMatch(/^web-eks-service/);
      expect(r.expr).toMatch(/namespace="eks-service"/);
    }
    // The api's series by its ServiceMonitor's service label, the worker's by its PodMonitor's job.
    expect(rule(manifests, 'ApiHighErrorRatio').expr).toMatch(/service="web-eks-service"/);
    expect(rule(manifests, 'WorkerHighFailureRatio').expr).toMatch(
      /job="eks-service\/web-eks-service-worker"/,
    );
    expect(rule(manifests, 'PodReadinessFlapping').expr).toMatch(
      /kube_pod_status_ready\{namespace="eks-service", pod=~"web-eks-service-\(api\|worker\)-\[a-z0-9\]\+-\[a-z0-9\]\+", condition="true"\}/,
    );
  });

  test('when the alert expressions are read, then every metric they query is one the service exposes (or kube-state-metrics’ kube_pod_status_ready) with the labels they filter on', async () => {
    const metrics = createMetrics();
    metrics.httpDuration.observe({ method: 'GET', route: '/users', status_code: '200' }, 0.01);
    metrics.dependencyErrors.inc({ dependency: 'redis' });
    metrics.dependencyUp.set({ dependency: 'redis' }, 1);
    // Registered by the worker only when MESSAGES_DLQ_URL is set.
    metrics.registry.registerMetric(metrics.deadLetterQueueMessages);
    metrics.deadLetterQueueMessages.set(0);
    const exposed = new Map(
      (await metrics.registry.getMetricsAsJSON()).map((m) => [
        m.name,
        new Set(m.values.flatMap((v) => Object.keys((v as { labels: Record<string, unknown> }).labels))),
      ]),
    );
    // Labels Prometheus adds to every scraped series (ServiceMonitor: service, PodMonitor: job), or histograms carry.
    const targetLabels = new Set(['namespace', 'service', 'job', 'pod', 'le']);
    const manifests = renderOverMinimal({ metrics: { prometheusRule: { enabled: true } } });
    const queried = rules(manifests).flatMap((r) =>
      [...(r.expr as string).matchAll(/([a-z_:][a-z0-9_:]*)\{([^}]*)\}/g)].map(([, metric, selector]) => ({
        metric: metric.replace(/_(bucket|count|sum)$/, ''),
        labels: [...selector.matchAll(/([a-z_]+)(=|!=|=~|!~)"/g)].map((m) => m[1]),
      })),
    );
    expect(new Set(queried.map((q) => q.metric))).toEqual(
      new Set([
        'http_request_duration_seconds',
        'dependency_up',
        'dependency_errors_total',
        'messages_failed_total',
        'messages_processed_total',
        'dead_letter_queue_messages',
        'kube_pod_status_ready',
      ]),
    );
    for (const { metric, labels } of queried.filter((q) => q.metric !== 'kube_pod_status_ready')) {
      const missing = labels.filter((l) => !targetLabels.has(l) && !exposed.get(metric)?.has(l));
      expect({ metric, exposed: exposed.has(metric), missing }).toEqual({
        metric,
        exposed: true,
        missing: [],
      });
    }
  });

  test('when the thresholds are changed, then the alert expressions, durations, severities and extra alert labels follow them', () => {
    const manifests = renderOverMinimal({
      metrics: {
        prometheusRule: {
          enabled: true,
          rateWindow: '10m',
          alertLabels: { team: 'payments' },
          apiErrorRatio: { threshold: 0.2, for: '15m', severity: 'warning' },
          apiLatencyP99: { thresholdSeconds: 2.5 },
          readinessFlapping: { changes: 6, window: '30m' },
          workerFailureRatio: { threshold: 0.5 },
          deadLetterQueue: { threshold: 10, for: '30m' },
          redisUnavailable: { for: '5m' },
          redisErrors: { thresholdPerSecond: 3 },
        },
      },
    });
    const errors = rule(manifests, 'ApiHighErrorRatio');
    expect(errors.expr).toMatch(/\[10m\]\)\)\s+> 0\.2$/);
    expect(errors.for).toBe('15m');
    expect(errors.labels).toEqual({ severity: 'warning', team: 'payments' });
    expect(rule(manifests, 'ApiHighLatencyP99').expr).toMatch(/> 2\.5$/);
    expect(rule(manifests, 'PodReadinessFlapping').expr).toMatch(/\[30m\]\)\s+>= 6$/);
    expect(rule(manifests, 'WorkerHighFailureRatio').expr).toMatch(/> 0\.5$/);
    expect(rule(manifests, 'DeadLetterQueueNotEmpty')).toMatchObject({
      expr: expect.stringMatching(/> 10$/),
      for: '30m',
    });
    expect(rule(manifests, 'RedisUnavailable').for).toBe('5m');
    expect(rule(manifests, 'RedisErrors').expr).toMatch(/> 3$/);
    for (const r of rules(manifests)) expect(r.labels.team).toBe('payments');
  });

  test('when a threshold is not a number, then helm refuses to render and names the key', () => {
    const result = renderFailure([
      writeValuesFile(
        mergeValues(minimalValues(), { metrics: { prometheusRule: { apiErrorRatio: { threshold: '5%' } } } }),
      ),
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/\/metrics\/prometheusRule\/apiErrorRatio\/threshold/);
  });

  test('when the Grafana dashboard is enabled, then its ConfigMap carries the sidecar label grafana_dashboard: "1" and the dashboard JSON', () => {
    const manifests = renderOverMinimal({ metrics: { grafanaDashboard: { enabled: true } } });
    const dashboard = ofKind(manifests, 'ConfigMap').find(
      (c) => c.metadata.name === 'web-eks-service-dashboard',
    );
    expect(dashboard?.metadata.labels?.grafana_dashboard).toBe('1');
    expect(JSON.parse(dashboard?.data['web-eks-service.json']).panels.length).toBeGreaterThan(0);
  });

  test('when config.messagesDeadLetterQueueUrl is set, then the worker alone gets MESSAGES_DLQ_URL', () => {
    const manifests = renderOverMinimal({ config: { messagesDeadLetterQueueUrl: DLQ_URL } });
    expect(envOf(manifests, 'worker')).toContainEqual({ name: 'MESSAGES_DLQ_URL', value: DLQ_URL });
    expect(envNames(manifests, 'api')).not.toContain('MESSAGES_DLQ_URL');
    expect(one(manifests, 'ConfigMap').data.MESSAGES_DLQ_URL).toBeUndefined();
  });

  test('when tracing is enabled, then both Deployments get the OTLP endpoint and their own service name, and their NetworkPolicies allow its port', () => {
    const manifests = renderOverMinimal(TRACING);
    for (const component of ['api', 'worker']) {
      expect(envOf(manifests, component)).toEqual(
        expect.arrayContaining([
          { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://adot-collector.opentelemetry:4318' },
          { name: 'OTEL_SERVICE_NAME', value: `web-eks-service-${component}` },
        ]),
      );
      expect(egressPorts(manifests, component)).toContain(4318);
      const otlp = one(manifests, 'NetworkPolicy', component).spec.egress.find((e: Field) =>
        e.ports.some((p: Field) => p.port === 4318),
      );
      expect(otlp.to.map((t: Field) => t.ipBlock.cidr)).toEqual([
        '10.0.0.0/8',
        '172.16.0.0/12',
        '192.168.0.0/16',
      ]);
    }
  });

  test('when the OTLP endpoint is https without a port, then the egress opens 443; an explicit extraEnv still wins', () => {
    const manifests = renderOverMinimal({
      tracing: { enabled: true, otlpEndpoint: 'https://otlp.example.com/v1' },
      api: { extraEnv: [{ name: 'OTEL_SERVICE_NAME', value: 'custom' }] },
    });
    const api = envOf(manifests, 'api').filter((e: Field) => e.name === 'OTEL_SERVICE_NAME');
    // A later entry of the same name wins in Kubernetes.
    expect(api.at(-1)).toEqual({ name: 'OTEL_SERVICE_NAME', value: 'custom' });
    expect(egressPorts(manifests, 'worker').filter((p) => p === 443)).toHaveLength(2);
  });

  test('when tracing is enabled without an endpoint, or with one that is not an http(s) URL, then helm refuses to render and names the key', () => {
    for (const tracing of [{ enabled: true }, { enabled: true, otlpEndpoint: 'collector:4317' }]) {
      const result = renderFailure([writeValuesFile(mergeValues(minimalValues(), { tracing }))]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/tracing\/otlpEndpoint|tracing\.otlpEndpoint/);
    }
  });
});
