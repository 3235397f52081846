/**
 * The one shape every add-on under `lib/addons/<name>/` follows: a `DEFAULTS` object of its own, props
 * that extend `HelmAddonProps` (each default may be overridden), `{ ...DEFAULTS, ...props }` as its
 * options, and Helm values computed from them with the caller's `values` merged last.
 */
import { Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';

import { mergeValues } from '../service-chart';

/** Where a release's pods may run: Helm `nodeSelector` and `tolerations` values. */
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

/** The kubectl provider's Lambda stops after 15 minutes, whatever Helm is still waiting for. */
export const HELM_PROVIDER_LIMIT_MINUTES = 15;
/** Helm's wait timeout of every release unless it sets its own: room to report a failure before the limit. */
export const DEFAULT_HELM_TIMEOUT_MINUTES = 10;

/** Helm values, as a chart's values.yaml has them. */
export type HelmValues = Readonly<Record<string, unknown>>;

/** What every Helm add-on takes besides its own props. */
export interface HelmAddonProps {
  readonly cluster: eks.Cluster;
  /**
   * Where the release's pods run.
   * @default ANYWHERE
   */
  readonly placement?: PodPlacement;
  /**
   * Helm's wait timeout, below the provider's 15-minute limit.
   * @default DEFAULT_HELM_TIMEOUT_MINUTES (10 minutes)
   */
  readonly helmTimeout?: Duration;
  /**
   * Raw Helm values merged last over the computed ones (objects deep-merged, the rest replaced).
   * @default {}
   */
  readonly values?: HelmValues;
}

/** The Helm timeout of a release: its own, or the default; a synth error at or above the provider's limit. */
export function helmTimeout(props: Pick<HelmAddonProps, 'helmTimeout'>, name = 'a release'): Duration {
  const timeout = props.helmTimeout ?? Duration.minutes(DEFAULT_HELM_TIMEOUT_MINUTES);
  if (timeout.toSeconds() >= HELM_PROVIDER_LIMIT_MINUTES * 60) {
    throw new Error(
      `helmTimeout of ${name}: ${timeout.toHumanString()} is not below the kubectl provider's ` +
        `${HELM_PROVIDER_LIMIT_MINUTES}-minute limit`,
    );
  }
  return timeout;
}

/** The release's values: the computed ones, then its placement, then the caller's `values` merged last. */
export function helmAddonValues(
  computed: Readonly<Record<string, unknown>>,
  props: Pick<HelmAddonProps, 'placement' | 'values'>,
): Record<string, unknown> {
  const placement = props.placement ?? ANYWHERE;
  return mergeValues(
    {
      ...computed,
      nodeSelector: { ...placement.nodeSelector },
      tolerations: [...placement.tolerations],
    },
    props.values,
  );
}

/** An add-on's `DEFAULTS` overridden by its props: every defaulted key is always set. */
export type AddonOptions<D, P> = Omit<P, keyof D> & {
  readonly [K in keyof D]: K extends keyof P ? Exclude<P[K], undefined> | D[K] : D[K];
};

/** An add-on's options: its `DEFAULTS`, overridden by every prop that is set (an `undefined` prop keeps the default). */
export function addonOptions<D extends object, P extends object>(defaults: D, props: P): AddonOptions<D, P> {
  const set = Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
  return { ...defaults, ...set } as AddonOptions<D, P>;
}

/** What a release of an add-on states itself; the cluster, waiting and the timeout come from the add-on. */
export type AddonReleaseProps = Omit<eks.HelmChartProps, 'cluster' | 'wait' | 'timeout'>;

/**
 * A Helm release of the add-on `scope` on its cluster: waits for its resources to be ready (and,
 * on delete, to be gone: `helm uninstall --wait`), within the add-on's Helm timeout.
 */
export function addonRelease(
  scope: Construct,
  id: string,
  addon: Pick<HelmAddonProps, 'cluster' | 'helmTimeout'>,
  release: AddonReleaseProps,
): eks.HelmChart {
  return new eks.HelmChart(scope, id, {
    cluster: addon.cluster,
    ...release,
    wait: true,
    timeout: helmTimeout(addon, scope.node.id),
  });
}
