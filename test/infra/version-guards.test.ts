/**
 * Version guards at synth: a stage whose versions do not go together stops with one line per clash,
 * naming the configuration keys involved.
 */
import { Duration } from 'aws-cdk-lib';

import { helmTimeout } from '../../lib/addons/helm-addon';
import { StageConfigError, loadStageConfig, parseStageConfig } from '../../lib/config/schema';
import { dev } from '../../lib/config/dev';
import {
  COMPONENT_SUPPORT,
  COMPONENT_VERSIONS,
  KUBECTL_LAYER_MINOR,
  KUBERNETES_VERSIONS,
  compareVersions,
  versionIssues,
} from '../../lib/config/versions';
import { kubernetesVersion } from '../../lib/stacks/cluster-stack';

import packageJson from '../../package.json';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawConfig = Record<string, any>;

/** The dev stage file with one change, parsed; the StageConfigError it throws, or undefined. */
function parseError(patch: (raw: RawConfig) => void): StageConfigError | undefined {
  const raw = structuredClone(dev) as RawConfig;
  patch(raw);
  try {
    parseStageConfig(raw, 'lib/config/dev.ts');
    return undefined;
  } catch (error) {
    if (error instanceof StageConfigError) return error;
    throw error;
  }
}

const cluster = (settings: RawConfig) => (raw: RawConfig) => {
  raw.cluster = { ...raw.cluster, ...settings };
};

describe('version guards', () => {
  test('when every stage is loaded with the pinned versions, then no guard objects', () => {
    for (const stage of ['dev', 'staging', 'prod'] as const) {
      expect(versionIssues(loadStageConfig(stage).cluster)).toEqual([]);
    }
  });

  test.each(KUBERNETES_VERSIONS)(
    'when the cluster runs Kubernetes %s, then every pinned default is at least the oldest release that supports it',
    (minor) => {
      expect(parseError(cluster({ kubernetesVersion: minor }))).toBeUndefined();
    },
  );

  test.each([
    [
      'cluster.karpenter.version',
      { karpenter: { ...dev.cluster.karpenter, version: '1.8.2' } },
      /Karpenter 1\.8\.2 does not support Kubernetes 1\.35 \(cluster\.kubernetesVersion\); use 1\.9\.0 or newer/,
    ],
    [
      'cluster.albControllerVersion',
      { albControllerVersion: 'v2.14.1' },
      /the AWS Load Balancer Controller v2\.14\.1 does not support Kubernetes 1\.35 \(cluster\.kubernetesVersion\)/,
    ],
    [
      'cluster.externalDnsChartVersion',
      { externalDnsChartVersion: '1.15.0' },
      /the external-dns chart 1\.15\.0 does not support Kubernetes 1\.35 \(cluster\.kubernetesVersion\)/,
    ],
    [
      'cluster.metricsServerChartVersion',
      { metricsServerChartVersion: '3.11.0' },
      /the metrics-server chart 3\.11\.0 does not support Kubernetes 1\.35/,
    ],
  ])(
    'when %s is older than Kubernetes 1.35 supports, then synth stops with one line naming both keys',
    (key, settings, message) => {
      const error = parseError(cluster(settings));
      expect(error?.issues).toHaveLength(1);
      expect(error?.issues[0].path).toBe(key);
      expect(`${error?.issues[0].path}: ${error?.issues[0].message}`).toMatch(message);
      expect(error?.message.split('\n')).toHaveLength(2);
    },
  );

  test('when the cluster moves to a newer minor without upgrading Karpenter, then synth names the Karpenter key', () => {
    const error = parseError(
      cluster({ kubernetesVersion: '1.36', karpenter: { ...dev.cluster.karpenter, version: '1.11.1' } }),
    );
    expect(error?.issues.map((i) => i.path)).toEqual(['cluster.karpenter.version']);
  });

  test('when the kubectl layer is more than one minor from the cluster, then the guard names cluster.kubernetesVersion', () => {
    const config = loadStageConfig('dev');
    expect(versionIssues({ ...config.cluster, kubernetesVersion: '1.34' }, '1.36')).toEqual([
      {
        path: 'cluster.kubernetesVersion',
        message: expect.stringMatching(
          /^1\.34 is 2 minors from the kubectl layer \(1\.36, KUBECTL_LAYER_MINOR\)/,
        ),
      },
    ]);
    expect(versionIssues({ ...config.cluster, kubernetesVersion: '1.34' }, '1.35')).toEqual([]);
  });

  test('when KUBECTL_LAYER_MINOR names another minor than the installed layer package, then synth stops', () => {
    const layers = Object.keys(packageJson.devDependencies).filter((d) =>
      d.startsWith('@aws-cdk/lambda-layer-kubectl-v'),
    );
    expect(layers).toEqual([`@aws-cdk/lambda-layer-kubectl-v${KUBECTL_LAYER_MINOR.split('.')[1]}`]);
    expect(() => kubernetesVersion('1.35', '@aws-cdk/lambda-layer-kubectl-v36')).toThrow(
      /cluster\.kubernetesVersion: the kubectl layer is @aws-cdk\/lambda-layer-kubectl-v36 \(kubectl 1\.36\) but KUBECTL_LAYER_MINOR/,
    );
    expect(kubernetesVersion('1.35', layers[0]).version).toBe('1.35');
  });

  test('when the service Helm timeout reaches the provider limit, then synth names service.helmTimeoutMinutes and the limit', () => {
    const error = parseError((raw) => (raw.service.helmTimeoutMinutes = 15));
    expect(error?.issues).toEqual([
      { path: 'service.helmTimeoutMinutes', message: "must be below the kubectl provider's 15-minute limit" },
    ]);
  });

  test('when an add-on is given a Helm timeout at the provider limit, then it stops naming the add-on', () => {
    expect(() => helmTimeout({ helmTimeout: Duration.minutes(15) }, 'ExternalDns')).toThrow(
      "helmTimeout of ExternalDns: 15 minutes is not below the kubectl provider's 15-minute limit",
    );
    expect(helmTimeout({}).toMinutes()).toBe(10);
  });

  test('when the support table is read, then it covers every component version key and every Kubernetes minor', () => {
    expect(COMPONENT_SUPPORT.map((s) => s.key).sort()).toEqual([
      'cluster.albControllerVersion',
      'cluster.externalDnsChartVersion',
      'cluster.karpenter.version',
      'cluster.metricsServerChartVersion',
    ]);
    expect(Object.keys(COMPONENT_VERSIONS).length).toBeGreaterThanOrEqual(COMPONENT_SUPPORT.length);
    for (const support of COMPONENT_SUPPORT)
      expect(Object.keys(support.oldestFor)).toEqual([...KUBERNETES_VERSIONS]);
  });

  test('when versions are compared, then numbers compare numerically and a leading v is ignored', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareVersions('v2.14.1', 'v2.17.0')).toBeLessThan(0);
    expect(compareVersions('v3.0.0', '3.0')).toBe(0);
  });
});
