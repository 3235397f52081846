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
} as const;
