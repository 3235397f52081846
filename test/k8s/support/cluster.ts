/**
 * The k8s tests' handle on the local cluster that `npm run local:k8s` brought up: the file it
 * writes (.local/k8s/env: KUBECONFIG, kubectl, helm, ctr, namespace, release, API URL) and small
 * wrappers that run the real kubectl, helm and ctr. No cluster is a failure that says so.
 */
import { execFile, spawn } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { promisify } from 'util';

const run = promisify(execFile);
const ENV_FILE = process.env.K8S_ENV_FILE ?? join(__dirname, '..', '..', '..', '.local', 'k8s', 'env');

function readEnv(): Record<string, string> {
  if (!existsSync(ENV_FILE)) {
    throw new Error(`no local cluster: ${ENV_FILE} is missing (start one with npm run local:k8s)`);
  }
  const env: Record<string, string> = {};
  for (const line of readFileSync(ENV_FILE, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

export const cluster = readEnv();
export const namespace = cluster.K8S_NAMESPACE;
export const release = cluster.K8S_RELEASE;
export const apiUrl = cluster.K8S_API_URL;
const toolEnv = { ...process.env, KUBECONFIG: cluster.KUBECONFIG };

async function tool(bin: string, args: string[], timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await run(bin, args, {
      env: toolEnv,
      timeout: timeoutMs,
      maxBuffer: 32 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `${bin.split('/').pop()} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`,
      {
        cause: err,
      },
    );
  }
}

export const kubectl = (args: string[], timeoutMs = 60_000) => tool(cluster.KUBECTL, args, timeoutMs);
export const helm = (args: string[], timeoutMs = 300_000) =>
  tool(cluster.HELM, [...args, '--namespace', namespace], timeoutMs);
export const ctr = (args: string[]) =>
  tool(cluster.CTR, ['--address', cluster.CONTAINERD_ADDRESS, '--namespace', 'k8s.io', ...args], 30_000);

/** Runs kubectl with `input` on its stdin; resolves with its exit code and everything it printed. */
export function kubectlWithInput(args: string[], input: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cluster.KUBECTL, args, { env: toolEnv });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
    child.stdin.end(input);
  });
}

export async function kubectlJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

export interface Pod {
  metadata: { name: string; uid: string; labels: Record<string, string>; deletionTimestamp?: string };
  spec: {
    containers: { name: string; securityContext?: Record<string, unknown> }[];
    securityContext?: Record<string, unknown>;
  };
  status: {
    phase: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; ready: boolean; restartCount: number; containerID?: string }[];
  };
}

/** The release's pods of one component (api or worker), terminating ones left out. */
export async function podsOf(component: 'api' | 'worker'): Promise<Pod[]> {
  const list = await kubectlJson<{ items: Pod[] }>([
    '-n',
    namespace,
    'get',
    'pods',
    '-l',
    `app.kubernetes.io/instance=${release},app.kubernetes.io/component=${component}`,
  ]);
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

export const isReady = (pod: Pod): boolean =>
  pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Waits until the Deployment of `component` has all its replicas updated and available. */
export async function waitForRollout(component: 'api' | 'worker', timeoutSeconds = 180): Promise<void> {
  await kubectl(
    [
      '-n',
      namespace,
      'rollout',
      'status',
      `deployment/${release}-${component}`,
      `--timeout=${timeoutSeconds}s`,
    ],
    (timeoutSeconds + 10) * 1000,
  );
}

/** Polls `probe` every `intervalMs` until it returns true, for at most `timeoutMs`. */
export async function until(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return false;
}
