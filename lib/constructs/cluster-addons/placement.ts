import { Duration } from 'aws-cdk-lib';

/** Where a controller's pods may run: Helm `nodeSelector` and `tolerations` values. */
export interface PodPlacement {
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
}

export interface Toleration {
  readonly key: string;
  readonly operator: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** No constraint: pods go wherever the scheduler puts them. */
export const ANYWHERE: PodPlacement = { nodeSelector: {}, tolerations: [] };

/** Helm values (`nodeSelector`, `tolerations`) that place a chart's pods. */
export function placementValues(placement: PodPlacement): {
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
} {
  return { nodeSelector: { ...placement.nodeSelector }, tolerations: [...placement.tolerations] };
}

/** Helm timeout of the controllers' releases: below the 15-minute limit of the kubectl provider's Lambda. */
export const DEFAULT_HELM_TIMEOUT_MINUTES = 10;

/** Options every controller release takes. */
export interface ReleaseOptions {
  /**
   * Where the release's pods run.
   * @default ANYWHERE
   */
  readonly placement?: PodPlacement;
  /**
   * Helm timeout (at most 15 minutes, the kubectl provider Lambda's limit).
   * @default DEFAULT_HELM_TIMEOUT_MINUTES (10 minutes)
   */
  readonly helmTimeout?: Duration;
}

/** The Helm timeout of a release. */
export function helmTimeout(options: ReleaseOptions): Duration {
  return options.helmTimeout ?? Duration.minutes(DEFAULT_HELM_TIMEOUT_MINUTES);
}
