/**
 * Every pinned version of the platform, in one place: the Kubernetes minors a stage may run, the
 * default one, and the release of each cluster component. A stage file may override a component's
 * version under `cluster`; upgrade them here, together, and run the infra tests.
 */

/** Kubernetes versions in EKS standard support (November 2026) that aws-eks-v2 and a kubectl layer cover. */
export const KUBERNETES_VERSIONS = ['1.34', '1.35', '1.36'] as const;
export type KubernetesMinor = (typeof KUBERNETES_VERSIONS)[number];
export const DEFAULT_KUBERNETES_VERSION: KubernetesMinor = '1.35';

/** Pinned versions of the cluster's components (the default of each stage's `cluster.*Version` key). */
export const COMPONENT_VERSIONS = {
  karpenter: '1.15.0',
  albController: 'v3.2.2',
  externalDnsChart: '1.19.0',
  metricsServerChart: '3.13.0',
  /** kube-prometheus-stack and the prometheus-operator-crds release of the same operator version. */
  kubePrometheusStackChart: '79.5.0',
  prometheusOperatorCrdsChart: '24.0.2',
  /** The OpenTelemetry collector chart (the trace collector). */
  otelCollectorChart: '0.138.0',
  /** The cache engine's version (Valkey, the default engine; a Redis cache names its own). */
  cacheEngine: '8.1',
} as const;

/**
 * Kubernetes minor of the kubectl layer the cluster's kubectl provider runs
 * (`@aws-cdk/lambda-layer-kubectl-v35`); kubectl supports one minor of skew either way.
 */
export const KUBECTL_LAYER_MINOR: KubernetesMinor = '1.35';

/** How far (in minors) kubectl and the API server may be apart (Kubernetes version skew policy). */
export const KUBECTL_MAX_SKEW = 1;

/** A version key of the stage configuration, the component it pins, and its oldest release per Kubernetes minor. */
export interface ComponentSupport {
  /** Key path of the version in the stage configuration. */
  readonly key: string;
  readonly component: string;
  /** The oldest release that supports each Kubernetes minor (upstream compatibility matrices). */
  readonly oldestFor: Readonly<Record<KubernetesMinor, string>>;
}

/**
 * The oldest release of each component accepted on a Kubernetes minor. Karpenter's rows follow its
 * compatibility matrix (karpenter.sh, Upgrading → Compatibility; the 1.36 row is its next release
 * line, to be confirmed when that minor is adopted); the AWS Load Balancer Controller, external-dns
 * and metrics-server rows are this project's floors, releases whose API clients are recent enough
 * for that minor, not an upstream matrix. A stage that pins an older release for its
 * `cluster.kubernetesVersion` stops at synth.
 */
export const COMPONENT_SUPPORT: readonly ComponentSupport[] = [
  {
    key: 'cluster.karpenter.version',
    component: 'Karpenter',
    oldestFor: { '1.34': '1.6.0', '1.35': '1.9.0', '1.36': '1.12.0' },
  },
  {
    key: 'cluster.albControllerVersion',
    component: 'the AWS Load Balancer Controller',
    oldestFor: { '1.34': 'v2.14.0', '1.35': 'v2.17.0', '1.36': 'v3.0.0' },
  },
  {
    key: 'cluster.externalDnsChartVersion',
    component: 'the external-dns chart',
    oldestFor: { '1.34': '1.16.0', '1.35': '1.18.0', '1.36': '1.19.0' },
  },
  {
    key: 'cluster.metricsServerChartVersion',
    component: 'the metrics-server chart',
    oldestFor: { '1.34': '3.12.0', '1.35': '3.12.0', '1.36': '3.13.0' },
  },
];

/** `v1.15.0` / `1.15` → [1, 15, 0]. */
function parts(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split('.')
    .map((p) => Number(p));
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b` (numeric, `v` ignored). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** What a version guard found: the key paths of the clashing values and one line saying why. */
export interface VersionIssue {
  readonly path: string;
  readonly message: string;
}

/** The cluster settings the guards read (the parsed `cluster` section). */
export interface ClusterVersions {
  readonly kubernetesVersion: KubernetesMinor;
  readonly karpenter: { readonly version: string };
  readonly albControllerVersion: string;
  readonly externalDnsChartVersion: string;
  readonly metricsServerChartVersion: string;
}

/**
 * Version guards at synth: the kubectl layer within one minor of the cluster, and every pinned
 * component at least the oldest release that supports the cluster's Kubernetes minor.
 */
export function versionIssues(
  cluster: ClusterVersions,
  kubectlLayerMinor: string = KUBECTL_LAYER_MINOR,
): VersionIssue[] {
  const issues: VersionIssue[] = [];
  const minor = cluster.kubernetesVersion;
  const skew = Math.abs(parts(minor)[1] - parts(kubectlLayerMinor)[1]);
  if (skew > KUBECTL_MAX_SKEW) {
    issues.push({
      path: 'cluster.kubernetesVersion',
      message:
        `${minor} is ${skew} minors from the kubectl layer (${kubectlLayerMinor}, KUBECTL_LAYER_MINOR); kubectl ` +
        `allows ${KUBECTL_MAX_SKEW}: install the matching @aws-cdk/lambda-layer-kubectl-vNN`,
    });
  }
  const pinned: Record<string, string> = {
    'cluster.karpenter.version': cluster.karpenter.version,
    'cluster.albControllerVersion': cluster.albControllerVersion,
    'cluster.externalDnsChartVersion': cluster.externalDnsChartVersion,
    'cluster.metricsServerChartVersion': cluster.metricsServerChartVersion,
  };
  for (const support of COMPONENT_SUPPORT) {
    const version = pinned[support.key];
    const oldest = support.oldestFor[minor];
    if (compareVersions(version, oldest) < 0) {
      issues.push({
        path: support.key,
        message:
          `${support.component} ${version} does not support Kubernetes ${minor} ` +
          `(cluster.kubernetesVersion); use ${oldest} or newer`,
      });
    }
  }
  return issues;
}
