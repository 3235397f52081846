/**
 * Renders helm/eks-service with the real `helm template` and parses the manifests with `yaml`.
 * Helm is `process.env.HELM_BIN`, else `<repo>/.tools/bin/helm`, which `ensureHelm()` builds once
 * through local/tools/helm.sh (minutes on a cold machine, milliseconds after).
 */
import { execFileSync, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { parse, parseAllDocuments, stringify } from 'yaml';

import { mergeValues } from '../../../lib/service-chart';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const CHART_DIR = path.join(REPO_ROOT, 'helm/eks-service');
export const HELM_BIN = process.env.HELM_BIN ?? path.join(REPO_ROOT, '.tools/bin/helm');
/** The Kubernetes version the cluster stack deploys by default. */
export const KUBE_VERSION = '1.35.0';
/** Enough for a cold build of Helm from the Go module proxy on a busy 2-CPU machine (measured: 3-12 min). */
export const HELM_SETUP_TIMEOUT_MS = 30 * 60 * 1000;

/** The install variants, e.g. `{ name: 'dev', file: '<chart>/ci/dev-values.yaml' }`. */
export const VARIANTS = fs
  .readdirSync(path.join(CHART_DIR, 'ci'))
  .filter((f) => f.endsWith('-values.yaml'))
  .sort()
  .map((f) => ({ name: f.replace(/-values\.yaml$/, ''), file: path.join(CHART_DIR, 'ci', f) }));

/** A rendered Kubernetes object; its shape depends on the kind, so the body stays loose. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- spec/data differ per kind; tests read known paths
  [field: string]: any;
}

/** Builds (or finds) Helm unless HELM_BIN points at one. Call from `beforeAll` with HELM_SETUP_TIMEOUT_MS. */
export function ensureHelm(): void {
  if (process.env.HELM_BIN) return;
  execFileSync('bash', [path.join(REPO_ROOT, 'local/tools/helm.sh')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** The chart's default values (values.yaml) as an object. */
export function chartDefaults(): Record<string, unknown> {
  return parse(fs.readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
}

export function readValuesFile(file: string): Record<string, unknown> {
  return parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/**
 * Writes values to a temporary YAML file and returns its path. YAML 1.1 quoting, as Helm reads YAML 1.1:
 * a string such as `yes` or `on` stays a string instead of becoming a boolean.
 */
export function writeValuesFile(values: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eks-service-values-'));
  const file = path.join(dir, 'values.yaml');
  fs.writeFileSync(file, stringify(values, { version: '1.1' }));
  return file;
}

function templateArgs(valuesFiles: string[], release: string): string[] {
  return [
    'template',
    release,
    CHART_DIR,
    '--namespace',
    'eks-service',
    '--kube-version',
    KUBE_VERSION,
    ...valuesFiles.flatMap((f) => ['-f', f]),
  ];
}

/** `helm template` with the given values files (later ones win); throws with Helm's stderr on failure. */
export function render(valuesFiles: string[], release = 'web'): Manifest[] {
  const out = execFileSync(HELM_BIN, templateArgs(valuesFiles, release), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** `helm template` that is expected to fail: returns its exit status and stderr. */
export function renderFailure(valuesFiles: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(HELM_BIN, templateArgs(valuesFiles, 'web'), { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

export const ofKind = (manifests: Manifest[], kind: string): Manifest[] =>
  manifests.filter((m) => m.kind === kind);

export function one(manifests: Manifest[], kind: string, component?: string): Manifest {
  const found = ofKind(manifests, kind).filter(
    (m) => component === undefined || m.metadata.labels?.['app.kubernetes.io/component'] === component,
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${component ? ` (${component})` : ''}, found ${found.length}`);
  return found[0];
}

/** The minimal install variant's values (ci/minimal-values.yaml): what most tests change one thing in. */
export function minimalValues(): Record<string, unknown> {
  return readValuesFile(VARIANTS.find((v) => v.name === 'minimal')!.file);
}

/** Renders the minimal variant with `change` merged over it (objects merged, lists replaced, as Helm does). */
export function renderOverMinimal(change: Record<string, unknown>): Manifest[] {
  return render([writeValuesFile(mergeValues(minimalValues(), change))]);
}

/** A field of a rendered manifest: plain YAML data whose shape depends on the kind. */
export type Field = Manifest['spec'];

/** The container of one component's Deployment (api or worker). */
export function containerOf(manifests: Manifest[], component: string): Field {
  return one(manifests, 'Deployment', component).spec.template.spec.containers[0];
}

/** The explicit `env` entries of one component's container. */
export function envOf(manifests: Manifest[], component: string): Field[] {
  return containerOf(manifests, component).env;
}
