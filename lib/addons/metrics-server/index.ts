import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';

import { HelmAddonProps, addonOptions, addonRelease, helmAddonValues } from '../helm-addon';

export const DEFAULTS = {
  repository: 'https://kubernetes-sigs.github.io/metrics-server/',
  namespace: 'kube-system',
  release: 'metrics-server',
} as const;

export interface MetricsServerProps extends HelmAddonProps {
  /** metrics-server chart version. */
  readonly chartVersion: string;
  /** @default DEFAULTS.namespace (kube-system) */
  readonly namespace?: string;
}

/** metrics-server: the resource metrics API the HorizontalPodAutoscalers read. */
export class MetricsServer extends Construct {
  readonly chart: eks.HelmChart;

  constructor(scope: Construct, id: string, props: MetricsServerProps) {
    super(scope, id);
    const options = addonOptions(DEFAULTS, props);
    this.chart = addonRelease(this, 'Chart', options, {
      chart: 'metrics-server',
      repository: options.repository,
      version: options.chartVersion,
      release: options.release,
      namespace: options.namespace,
      values: helmAddonValues({}, options),
    });
  }
}
