/**
 * The service as it runs on Kubernetes, from its image and chart, in the local cluster of
 * `npm run local:k8s`: Pod Security "restricted" enforced, `helm test`, a rolling upgrade under
 * steady load, a deleted api pod, a worker killed with SIGKILL, and the PodDisruptionBudget.
 * The e2e suite itself also runs against these pods (test/run.sh points it at the forwarded URL).
 * Each test leaves the release as it found it: both Deployments fully rolled out.
 */
import { randomUUID } from 'crypto';
import {
  apiUrl,
  ctr,
  helm,
  isReady,
  kubectl,
  kubectlJson,
  kubectlWithInput,
  namespace,
  podsOf,
  release,
  until,
  waitForRollout,
} from './support/cluster';
import { type LoadRecord, startHttpLoad, tally } from '../support/http-load';

jest.setTimeout(300_000);

async function status(path: string): Promise<number> {
  const res = await fetch(`${apiUrl}${path}`).catch(() => undefined);
  return res?.status ?? 0;
}

afterEach(async () => {
  await waitForRollout('api');
  await waitForRollout('worker');
});

describe('the namespace and the pods', () => {
  test('when the release is installed, then its namespace enforces Pod Security "restricted"', async () => {
    const ns = await kubectlJson<{ metadata: { labels: Record<string, string> } }>([
      'get',
      'namespace',
      namespace,
    ]);
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('when a privileged pod is submitted to the namespace, then the API server refuses it', async () => {
    const pod = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `privileged-${randomUUID().slice(0, 8)}`, namespace },
      spec: { containers: [{ name: 'c', image: 'localhost/none', securityContext: { privileged: true } }] },
    });
    const { code, output } = await kubectlWithInput(['apply', '--dry-run=server', '-f', '-'], pod);
    expect(code).not.toBe(0);
    expect(output).toMatch(/violates PodSecurity "restricted/);
  });

  test('when the api and worker pods run, then they are ready, as uid 10001 on a read-only root filesystem', async () => {
    for (const component of ['api', 'worker'] as const) {
      const pods = await podsOf(component);
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) {
        expect(isReady(pod)).toBe(true);
        expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
        expect(pod.spec.containers[0].securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
        });
      }
    }
    const uid = await kubectl([
      '-n',
      namespace,
      'exec',
      `deploy/${release}-api`,
      '--',
      'node',
      '-p',
      'process.getuid()',
    ]);
    expect(uid.trim()).toBe('10001');
  });

  test('when a pod looks up the api Service by its DNS name, then CoreDNS answers with the ClusterIP', async () => {
    const svc = await kubectlJson<{ spec: { clusterIP: string } }>([
      '-n',
      namespace,
      'get',
      'service',
      release,
    ]);
    const name = `${release}.${namespace}.svc.cluster.local`;
    const resolved = await kubectl([
      '-n',
      namespace,
      'exec',
      `deploy/${release}-worker`,
      '--',
      'node',
      '-e',
      'require("dns").promises.lookup(process.argv[1]).then((a) => console.log(a.address))',
      name,
    ]);
    expect(resolved.trim()).toBe(svc.spec.clusterIP);
  });

  test('when `helm test` runs, then its test pod passes', async () => {
    const out = await helm(['test', release, '--timeout', '2m']);
    expect(out).toMatch(/Phase:\s+Succeeded/);
  });
});

describe('disruptions', () => {
  test('when the pod template changes under steady keep-alive load, then the rolling upgrade fails no request', async () => {
    const before = (await podsOf('api')).map((p) => p.metadata.name);
    const paths = ['/read', '/healthz', '/'];
    const load = startHttpLoad({
      port: Number(new URL(apiUrl).port),
      next: (n, loop) => ({ name: paths[(n + loop) % paths.length], path: paths[(n + loop) % paths.length] }),
      connections: 8,
      requestTimeoutMs: 10_000,
      maxDurationMs: 300_000,
    });
    let records: LoadRecord[];
    try {
      await new Promise((r) => setTimeout(r, 2000));
      await helm([
        'upgrade',
        release,
        `${__dirname}/../../helm/eks-service`,
        '--reuse-values',
        '--set-string',
        `api.podAnnotations.rollout=${Date.now()},worker.podAnnotations.rollout=${Date.now()}`,
        '--atomic',
        '--wait',
        '--timeout',
        '5m',
      ]);
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      // Also when the upgrade fails: the load must never outlive the test.
      records = await load.stop();
    }
    const failures = records.filter((r) => r.error !== undefined || r.status >= 500);
    const after = (await podsOf('api')).map((p) => p.metadata.name);
    console.log(
      `rolling upgrade under load: ${records.length} requests, ${failures.length} failed`,
      tally(records),
    );
    expect(after.some((name) => before.includes(name))).toBe(false);
    expect(records.length).toBeGreaterThan(100);
    expect(failures.slice(0, 10).map((r) => `${r.name}: ${r.error ?? r.status}`)).toEqual([]);
  });

  test('when an api pod is deleted, then a new one replaces it and the API keeps answering', async () => {
    const [victim] = await podsOf('api');
    await kubectl(['-n', namespace, 'delete', 'pod', victim.metadata.name, '--wait=false']);
    const replaced = await until(async () => {
      const pods = await podsOf('api');
      return (
        pods.length >= 2 && pods.every(isReady) && !pods.some((p) => p.metadata.uid === victim.metadata.uid)
      );
    }, 120_000);
    expect(replaced).toBe(true);
    expect(await status('/readyz')).toBe(200);
  });

  test('when the worker is killed with SIGKILL while messages flow, then every accepted message is stored', async () => {
    const [worker] = await podsOf('worker');
    const restartsBefore = worker.status.containerStatuses?.[0].restartCount ?? 0;
    const containerId = (worker.status.containerStatuses?.[0].containerID ?? '').replace(
      /^containerd:\/\//,
      '',
    );
    const send = async (i: number) => {
      const res = await fetch(`${apiUrl}/process_message`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ sigkill: i, run: randomUUID() }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { messageId: string }).messageId;
    };
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await send(i));
    // The worker's node process, as the node sees it: the container task's PID.
    const tasks = await ctr(['tasks', 'ls']);
    const line = tasks.split('\n').find((l) => l.startsWith(containerId));
    expect(line).toBeDefined();
    const pid = Number(line!.trim().split(/\s+/)[1]);
    process.kill(pid, 'SIGKILL');
    for (let i = 20; i < 40; i++) ids.push(await send(i));
    // The kubelet restarts the container; messages the killed process held come back after the
    // queue's visibility timeout, so allow for it.
    const restarted = await until(async () => {
      const [w] = await podsOf('worker');
      return (w.status.containerStatuses?.[0].restartCount ?? 0) > restartsBefore && isReady(w);
    }, 90_000);
    expect(restarted).toBe(true);
    const missing = new Set(ids);
    await until(
      async () => {
        for (const id of [...missing])
          if ((await status(`/messages/${encodeURIComponent(id)}`)) === 200) missing.delete(id);
        return missing.size === 0;
      },
      120_000,
      1000,
    );
    expect([...missing]).toEqual([]);
  });

  test('when an eviction would break the api PodDisruptionBudget, then it is refused', async () => {
    const pods = await podsOf('api');
    expect(pods.length).toBeGreaterThanOrEqual(2);
    const evict = async (name: string): Promise<string> => {
      const eviction = JSON.stringify({
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace },
      });
      const path = `/api/v1/namespaces/${namespace}/pods/${name}/eviction`;
      const { code, output } = await kubectlWithInput(['create', '--raw', path, '-f', '-'], eviction);
      return code === 0 ? 'evicted' : /disruption budget/i.test(output) ? 'refused by the budget' : output;
    };
    expect(await evict(pods[0].metadata.name)).toBe('evicted');
    expect(await evict(pods[1].metadata.name)).toBe('refused by the budget');
    expect(await status('/readyz')).toBe(200);
  });
});
