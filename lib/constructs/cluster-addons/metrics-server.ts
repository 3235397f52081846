import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';

import { ANYWHERE, ReleaseOptions, helmTimeout, placementValues } from './placement';

export const METRICS_SERVER_CHART_REPOSITORY = 'https://kubernetes-sigs.github.io/metrics-server/';

export interface MetricsServerProps extends ReleaseOptions {
  readonly cluster: eks.Cluster;
  readonly chartVersion: string;
}

/** metrics-server in kube-system: the resource metrics API the HorizontalPodAutoscalers read. */
export class MetricsServer extends Construct {
  readonly chart: eks.HelmChart;

  constructor(scope: Construct, id: string, props: MetricsServerProps) {
    super(scope, id);
    this.chart = new eks.HelmChart(this, 'Chart', {
      cluster: props.cluster,
      chart: 'metrics-server',
      repository: METRICS_SERVER_CHART_REPOSITORY,
      version: props.chartVersion,
      release: 'metrics-server',
      namespace: 'kube-system',
      wait: true,
      timeout: helmTimeout(props),
      values: placementValues(props.placement ?? ANYWHERE),
    });
  }
}
