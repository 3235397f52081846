/**
 * Monitoring per stage: kube-prometheus-stack (CRDs first) selecting every release's monitors and
 * rules, Grafana loading labelled dashboards, optional remote-write to Amazon Managed Service for
 * Prometheus with its own IRSA role, an OTLP trace collector exporting to X-Ray, and the service
 * release wired to them.
 */
import { Template } from 'aws-cdk-lib/assertions';

import { composeStage } from '../../lib/app';
import { parseStageConfig } from '../../lib/config/schema';
import { dev } from '../../lib/config/dev';
import { cfnText, helmReleasesOf, helmValuesOf, nagFindings, testApp, testConfig } from './support';

type Patch = Parameters<typeof testConfig>[1];

function compose(stage: 'dev' | 'prod', patch?: Patch) {
  const app = testApp();
  const stacks = composeStage(app, testConfig(stage, patch));
  return {
    app,
    stacks,
    cluster: Template.fromStack(stacks.cluster!),
    service: Template.fromStack(stacks.service!),
  };
}

/** Statements of the inline policies of the role whose logical id starts with `prefix`. */
function statementsOfRole(template: Template, prefix: string): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(prefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const nodePoolId = (template: Template) =>
  Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).find(([, r]) =>
    JSON.stringify(r.Properties.Manifest).includes('NodePool'),
  )![0];

describe('monitoring in prod (remote-write and tracing on)', () => {
  const built = compose('prod');
  const { cluster, service } = built;
  const releases = helmReleasesOf(cluster);

  test('when installed, then the operator CRDs come first and kube-prometheus-stack skips its own', () => {
    const crds = releases['prometheus-operator-crds'];
    const stack = releases['kube-prometheus-stack'];
    expect(crds.Properties).toMatchObject({
      Repository: 'https://prometheus-community.github.io/helm-charts',
      Namespace: 'monitoring',
    });
    expect(stack.Properties).toMatchObject({ SkipCrds: true, Wait: true });
    expect(stack.DependsOn).toContain(crds.id);
    expect(helmValuesOf(cluster, 'kube-prometheus-stack')).toMatchObject({ crds: { enabled: false } });
  });

  test('when Prometheus selects monitors and rules, then it takes those of every release, and Grafana every labelled dashboard', () => {
    const values = helmValuesOf(cluster, 'kube-prometheus-stack') as Record<string, Record<string, unknown>>;
    expect(values.prometheus.prometheusSpec).toMatchObject({
      serviceMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelectorNilUsesHelmValues: false,
      probeSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
      retention: '7d',
    });
    expect(values.grafana).toMatchObject({
      adminPassword: '',
      sidecar: {
        dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' },
      },
    });
  });

  test('when samples are remote-written, then they go to the stage workspace, signed by a role that may only write there', () => {
    const workspaces = Object.keys(cluster.findResources('AWS::APS::Workspace'));
    expect(workspaces).toHaveLength(1);
    const values = helmValuesOf(cluster, 'kube-prometheus-stack') as Record<string, Record<string, unknown>>;
    expect(values.prometheus.serviceAccount).toEqual({
      create: false,
      name: 'kube-prometheus-stack-prometheus',
    });
    expect((values.prometheus.prometheusSpec as Record<string, unknown>).remoteWrite).toEqual([
      { url: `<${workspaces[0]}.PrometheusEndpoint>api/v1/remote_write`, sigv4: { region: 'eu-west-1' } },
    ]);
    expect(statementsOfRole(cluster, 'MonitoringPrometheusServiceAccountRole')).toEqual([
      {
        Sid: 'RemoteWriteToTheStageWorkspace',
        Effect: 'Allow',
        Action: 'aps:RemoteWrite',
        Resource: { 'Fn::GetAtt': [workspaces[0], 'Arn'] },
      },
    ]);
    const trust = Object.entries(cluster.findResources('Custom::AWSCDKCfnJson')).map(([, r]) =>
      cfnText(r.Properties.Value),
    );
    expect(
      trust.some((t) => t.includes('system:serviceaccount:monitoring:kube-prometheus-stack-prometheus')),
    ).toBe(true);
  });

  test('when traces are collected, then an OTLP collector exports them to X-Ray with a role of its own', () => {
    const values = helmValuesOf(cluster, 'otel-collector') as Record<string, Record<string, unknown>>;
    expect(values).toMatchObject({
      mode: 'deployment',
      fullnameOverride: 'otel-collector',
      image: { repository: 'otel/opentelemetry-collector-contrib' },
      command: { name: 'otelcol-contrib' },
      serviceAccount: { create: false, name: 'otel-collector' },
      config: {
        exporters: { awsxray: { region: 'eu-west-1' } },
        service: {
          pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['awsxray'] } },
        },
      },
    });
    expect(statementsOfRole(cluster, 'TracingCollectorServiceAccountRole')).toEqual([
      {
        Sid: 'ExportTracesToXRay',
        Effect: 'Allow',
        Action: [
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ],
        Resource: '*',
      },
    ]);
    expect(built.stacks.cluster!.tracingEndpoint).toBe(
      'http://otel-collector.monitoring.svc.cluster.local:4318',
    );
  });

  test('when the stage is torn down, then monitoring and the collector go before the NodePool whose nodes they run on', () => {
    expect(releases['kube-prometheus-stack'].DependsOn).toContain(nodePoolId(cluster));
    expect(releases['otel-collector'].DependsOn).toContain(releases['kube-prometheus-stack'].id);
  });

  test('when the service release is configured, then it exports traces to the collector, reports the DLQ and turns its monitors on', () => {
    const [release] = Object.values(service.findResources('Custom::AWSCDK-EKS-HelmChart'));
    const values = JSON.parse(cfnText(release.Properties.Values));
    expect(values.tracing).toEqual({
      enabled: true,
      otlpEndpoint: 'http://otel-collector.monitoring.svc.cluster.local:4318',
    });
    expect(values.config.messagesDeadLetterQueueUrl).toMatch(
      /^<Import:eksref-prod-data:ExportsOutputRefMessagesDlq/,
    );
    expect(values.metrics).toMatchObject({
      serviceMonitor: { enabled: true },
      prometheusRule: { enabled: true },
      grafanaDashboard: { enabled: true },
    });
    expect(built.stacks.service!.dependencies).toContain(built.stacks.cluster);
  });

  test('when the worker reads the dead-letter queue depth, then the app role may only get its attributes', () => {
    const statement = statementsOfRole(service, 'AppRole').find((s) => s.Sid === 'DeadLetterQueueDepth');
    expect(statement).toMatchObject({ Action: 'sqs:GetQueueAttributes' });
    expect(cfnText(statement?.Resource)).toMatch(
      /^<Import:eksref-prod-data:ExportsOutputFnGetAttMessagesDlq\w+Arn/,
    );
  });

  test('when checked, then cdk-nag reports nothing unacknowledged in the cluster and service stacks', () => {
    expect(nagFindings(built.app, built.stacks.cluster!)).toEqual([]);
    expect(nagFindings(built.app, built.stacks.service!)).toEqual([]);
  });
});

describe('monitoring in dev (defaults)', () => {
  const { cluster, stacks } = compose('dev');

  test('when a stage leaves monitoring at its defaults, then kube-prometheus-stack runs without remote-write or a collector', () => {
    const releases = helmReleasesOf(cluster);
    expect(releases['kube-prometheus-stack']).toBeDefined();
    expect(releases['otel-collector']).toBeUndefined();
    cluster.resourceCountIs('AWS::APS::Workspace', 0);
    const values = helmValuesOf(cluster, 'kube-prometheus-stack') as Record<string, Record<string, unknown>>;
    expect(values.prometheus.prometheusSpec).not.toHaveProperty('remoteWrite');
    expect(stacks.cluster!.tracingEndpoint).toBeUndefined();
  });
});

describe('monitoring turned off', () => {
  const { cluster, service } = compose('dev', (raw) => {
    raw.monitoring = { enabled: false };
  });

  test('when monitoring.enabled is false, then nothing is installed and the release turns no monitor on', () => {
    expect(Object.keys(helmReleasesOf(cluster))).not.toContain('kube-prometheus-stack');
    const [release] = Object.values(service.findResources('Custom::AWSCDK-EKS-HelmChart'));
    const values = JSON.parse(cfnText(release.Properties.Values));
    expect(values.metrics).toBeUndefined();
    expect(values.tracing).toBeUndefined();
  });

  test('when tracing is asked for without monitoring, then synth stops naming monitoring.enabled', () => {
    expect(() =>
      parseStageConfig({ ...structuredClone(dev), monitoring: { enabled: false, tracing: true } }),
    ).toThrow(/monitoring\.enabled: remoteWrite and tracing need monitoring\.enabled/);
  });
});
