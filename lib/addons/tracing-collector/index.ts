import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

import { acknowledge, wildcardFinding } from '../../compliance/nag';
import { HelmAddonProps, addonOptions, addonRelease, helmAddonValues } from '../helm-addon';

export const DEFAULTS = {
  repository: 'https://open-telemetry.github.io/opentelemetry-helm-charts',
  release: 'otel-collector',
  serviceAccountName: 'otel-collector',
  /** The contrib distribution: it carries the AWS X-Ray exporter. */
  image: 'otel/opentelemetry-collector-contrib',
  /** The contrib image's binary (the chart's default command is the k8s distribution's). */
  command: 'otelcol-contrib',
  /** OTLP over HTTP (the SDKs' default protocol). */
  otlpHttpPort: 4318,
  otlpGrpcPort: 4317,
};

export interface TracingCollectorProps extends HelmAddonProps {
  /** opentelemetry-collector chart version. */
  readonly chartVersion: string;
  /** An existing namespace: the one Monitoring creates (`Monitoring.namespace`). */
  readonly namespace: string;
  /** @default eks.IdentityType.IRSA */
  readonly identityType?: eks.IdentityType;
}

/**
 * An OpenTelemetry collector (Deployment) receiving OTLP traces in the cluster and exporting them to
 * AWS X-Ray with an IAM role of its own; `endpoint` is the in-cluster OTLP/HTTP URL for the SDKs.
 */
export class TracingCollector extends Construct {
  readonly chart: eks.HelmChart;
  readonly role: iam.IRole;
  /** `http://<service>.<namespace>.svc.cluster.local:4318`, OTEL_EXPORTER_OTLP_ENDPOINT of the pods. */
  readonly endpoint: string;

  constructor(scope: Construct, id: string, props: TracingCollectorProps) {
    super(scope, id);
    const options = addonOptions(DEFAULTS, props);
    const { cluster, namespace } = options;

    const serviceAccount = new eks.ServiceAccount(this, 'ServiceAccount', {
      cluster,
      name: options.serviceAccountName,
      namespace,
      identityType: options.identityType ?? eks.IdentityType.IRSA,
    });
    serviceAccount.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ExportTracesToXRay',
        actions: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
        ],
        resources: ['*'],
      }),
    );
    acknowledge(
      serviceAccount,
      'X-Ray trace segment, telemetry and sampling calls support no resource-level permission; the role ' +
        'may make only those four calls.',
      wildcardFinding('*'),
    );
    this.role = serviceAccount.role;

    this.endpoint = `http://${options.release}.${namespace}.svc.cluster.local:${options.otlpHttpPort}`;
    this.chart = addonRelease(this, 'Chart', options, {
      chart: 'opentelemetry-collector',
      repository: options.repository,
      version: options.chartVersion,
      release: options.release,
      namespace,
      values: helmAddonValues(
        {
          mode: 'deployment',
          fullnameOverride: options.release,
          image: { repository: options.image },
          command: { name: options.command },
          serviceAccount: { create: false, name: serviceAccount.serviceAccountName },
          ports: {
            'otlp-http': {
              enabled: true,
              containerPort: options.otlpHttpPort,
              servicePort: options.otlpHttpPort,
            },
            otlp: { enabled: true, containerPort: options.otlpGrpcPort, servicePort: options.otlpGrpcPort },
            jaeger: { enabled: false },
            'jaeger-compact': { enabled: false },
            'jaeger-thrift': { enabled: false },
            'jaeger-grpc': { enabled: false },
            zipkin: { enabled: false },
          },
          config: {
            receivers: {
              otlp: {
                protocols: {
                  http: { endpoint: `0.0.0.0:${options.otlpHttpPort}` },
                  grpc: { endpoint: `0.0.0.0:${options.otlpGrpcPort}` },
                },
              },
            },
            processors: { batch: {} },
            exporters: { awsxray: { region: Stack.of(this).region } },
            service: {
              pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['awsxray'] } },
            },
          },
        },
        options,
      ),
    });
    this.chart.node.addDependency(serviceAccount);
  }
}
