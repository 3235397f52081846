import { Stack } from 'aws-cdk-lib';
import * as aps from 'aws-cdk-lib/aws-aps';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

import { HelmAddonProps, addonOptions, addonRelease, helmAddonValues } from '../helm-addon';

export const DEFAULTS = {
  repository: 'https://prometheus-community.github.io/helm-charts',
  namespace: 'monitoring',
  release: 'kube-prometheus-stack',
  /** The Prometheus service account (its IRSA role signs remote writes). */
  prometheusServiceAccountName: 'kube-prometheus-stack-prometheus',
  /** Local retention of Prometheus (its volume is the pod's: remote-write keeps history). */
  retention: '24h',
  /** Label and value of the ConfigMaps Grafana's sidecar loads as dashboards, from every namespace. */
  dashboardLabel: { key: 'grafana_dashboard', value: '1' },
};

export interface MonitoringProps extends HelmAddonProps {
  /** kube-prometheus-stack chart version. */
  readonly chartVersion: string;
  /** prometheus-operator-crds chart version (the CRDs, installed first). */
  readonly crdChartVersion: string;
  /**
   * Remote-write every sample to an Amazon Managed Service for Prometheus workspace created here.
   * @default false
   */
  readonly remoteWrite?: boolean;
  /** @default DEFAULTS.namespace (monitoring) */
  readonly namespace?: string;
  /** @default DEFAULTS.retention (24h) */
  readonly retention?: string;
}

/**
 * kube-prometheus-stack: the Prometheus operator's CRDs first (their own chart, as with Karpenter:
 * Helm never upgrades a chart's crds/), then Prometheus, Alertmanager, Grafana, kube-state-metrics
 * and node-exporter. Prometheus selects the ServiceMonitors, PodMonitors, Probes and PrometheusRules
 * of every release in every namespace (not only its own); Grafana's sidecar loads every ConfigMap
 * labelled `grafana_dashboard: "1"`. With `remoteWrite`, an AMP workspace and an IRSA role for
 * Prometheus allowed `aps:RemoteWrite` on that workspace only.
 */
export class Monitoring extends Construct {
  readonly crdChart: eks.HelmChart;
  readonly chart: eks.HelmChart;
  readonly workspace?: aps.CfnWorkspace;
  readonly prometheusRole?: iam.IRole;
  /** The namespace created here, for the releases that run beside it (the trace collector). */
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const options = addonOptions(DEFAULTS, props);
    const { cluster, namespace } = options;
    this.namespace = namespace;

    const ns = new eks.KubernetesManifest(this, 'Namespace', {
      cluster,
      manifest: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }],
      overwrite: true,
    });

    let remoteWrite: Record<string, unknown>[] = [];
    let serviceAccount: eks.ServiceAccount | undefined;
    if (options.remoteWrite) {
      this.workspace = new aps.CfnWorkspace(this, 'Workspace', {
        alias: `${cluster.clusterName}-prometheus`,
      });
      serviceAccount = new eks.ServiceAccount(this, 'PrometheusServiceAccount', {
        cluster,
        name: options.prometheusServiceAccountName,
        namespace,
        identityType: eks.IdentityType.IRSA,
      });
      serviceAccount.node.addDependency(ns);
      serviceAccount.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'RemoteWriteToTheStageWorkspace',
          actions: ['aps:RemoteWrite'],
          resources: [this.workspace.attrArn],
        }),
      );
      this.prometheusRole = serviceAccount.role;
      remoteWrite = [
        {
          url: `${this.workspace.attrPrometheusEndpoint}api/v1/remote_write`,
          sigv4: { region: Stack.of(this).region },
        },
      ];
    }

    this.crdChart = addonRelease(this, 'CrdChart', options, {
      chart: 'prometheus-operator-crds',
      repository: options.repository,
      version: options.crdChartVersion,
      release: 'prometheus-operator-crds',
      namespace,
    });
    this.crdChart.node.addDependency(ns);

    const { dashboardLabel } = options;
    this.chart = addonRelease(this, 'Chart', options, {
      chart: 'kube-prometheus-stack',
      repository: options.repository,
      version: options.chartVersion,
      release: options.release,
      namespace,
      // The CRDs belong to the prometheus-operator-crds release.
      skipCrds: true,
      values: helmAddonValues(
        {
          crds: { enabled: false },
          prometheus: {
            ...(serviceAccount && {
              serviceAccount: { create: false, name: serviceAccount.serviceAccountName },
            }),
            prometheusSpec: {
              retention: options.retention,
              // Every release's monitors and rules, not only those labelled for this release.
              serviceMonitorSelectorNilUsesHelmValues: false,
              podMonitorSelectorNilUsesHelmValues: false,
              probeSelectorNilUsesHelmValues: false,
              ruleSelectorNilUsesHelmValues: false,
              ...(remoteWrite.length > 0 && { remoteWrite }),
            },
          },
          grafana: {
            // Empty: the Grafana chart generates a random admin password into its Secret.
            adminPassword: '',
            sidecar: {
              dashboards: {
                enabled: true,
                label: dashboardLabel.key,
                labelValue: dashboardLabel.value,
                searchNamespace: 'ALL',
              },
            },
          },
        },
        options,
      ),
    });
    this.chart.node.addDependency(this.crdChart, ...(serviceAccount ? [serviceAccount] : []));
  }
}
