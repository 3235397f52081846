/**
 * The chart's Grafana dashboard queries metrics that the service really exposes: names and labels
 * are checked against the service's own metrics registry (service/src/libraries/metrics).
 */
import fs from 'fs';
import path from 'path';

import { createMetrics } from '../../service/src/libraries/metrics';
import { CHART_DIR, ensureHelm, HELM_SETUP_TIMEOUT_MS, one, render, VARIANTS } from './support/chart';

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}

const dashboard = JSON.parse(
  fs.readFileSync(path.join(CHART_DIR, 'files/dashboard.json'), 'utf8'),
) as Dashboard;
const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
/** Labels Prometheus adds to every scraped series, or that histograms carry. */
const TARGET_LABELS = new Set(['namespace', 'service', 'pod', 'le']);

describe('the Grafana dashboard', () => {
  let exposed: Map<string, Set<string>>;

  beforeAll(async () => {
    const metrics = createMetrics();
    metrics.httpDuration.observe({ method: 'GET', route: '/healthz', status_code: '200' }, 0.01);
    metrics.dependencyErrors.inc({ dependency: 'redis' });
    const json = await metrics.registry.getMetricsAsJSON();
    exposed = new Map(
      json.map((m) => [
        m.name,
        new Set(m.values.flatMap((v) => Object.keys((v as { labels: Record<string, unknown> }).labels))),
      ]),
    );
  });

  test('when its queries are read, then every metric they name is one the service exposes', () => {
    const names = exprs.flatMap((e) => [...e.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)].map((m) => m[1]));
    expect(names.length).toBeGreaterThan(0);
    const base = (n: string) => n.replace(/_(bucket|count|sum)$/, '');
    const unknown = names.filter((n) => !exposed.has(n) && !exposed.has(base(n)));
    expect(unknown).toEqual([]);
  });

  test('when its queries group or filter by a label, then the metric carries that label', () => {
    for (const expr of exprs) {
      const metric = expr.match(/([a-z_:][a-z0-9_:]*)\{/)![1].replace(/_(bucket|count|sum)$/, '');
      const labels = [
        ...[...expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((l) => l.trim())),
        ...[...expr.matchAll(/([a-z_]+)=~?"/g)].map((m) => m[1]),
      ];
      const missing = labels.filter((l) => !TARGET_LABELS.has(l) && !exposed.get(metric)?.has(l));
      expect({ expr, missing }).toEqual({ expr, missing: [] });
    }
  });

  test(
    'when the worker is scraped (PodMonitor, no Service), then its counters have a panel that selects its pods by the worker Deployment’s name',
    () => {
      ensureHelm();
      const manifests = render([VARIANTS.find((v) => v.name === 'prod')!.file]);
      const service = one(manifests, 'Service').metadata.name;
      const worker = one(manifests, 'Deployment', 'worker').metadata.name;
      // $service is the api Service's name; worker pods are named <Deployment>-<hash>-<id>.
      const workerSelector = 'pod=~"$service-worker-.+"';
      expect(`${service}-worker`).toBe(worker);
      const workerExprs = exprs.filter((e) => e.includes(workerSelector));
      for (const metric of [
        'messages_processed_total',
        'messages_failed_total',
        'process_resident_memory_bytes',
      ])
        expect(workerExprs.some((e) => e.includes(`${metric}{`))).toBe(true);
    },
    HELM_SETUP_TIMEOUT_MS,
  );
});
