/**
 * LOCAL_K8S=kind: local/k8s/kind.sh runs kind, docker and kubectl, which this machine does not have
 * (no Docker engine). Stand-ins on the PATH record every command line and answer as the real tools
 * do; the test asserts the commands a user's machine would run, in order, and what the script
 * leaves for the deploy and the tests (kubeconfig, env file, forwarders). The built-in cluster,
 * which CI runs for real, is covered by the k8s project.
 */
import { execFile } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const KIND_SH = join(ROOT, 'local', 'k8s', 'kind.sh');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('LOCAL_K8S=kind (local/k8s/kind.sh)', () => {
  let dir: string;
  let calls: string;
  let env: NodeJS.ProcessEnv;

  const stub = (name: string, body: string) => {
    const file = join(dir, 'bin', name);
    writeFileSync(file, `#!/bin/sh\necho "${name} $*" >>"${calls}"\n${body}\n`);
    chmodSync(file, 0o755);
  };
  const kindSh = (...args: string[]) => run('bash', [KIND_SH, ...args], { env, timeout: 30_000 });
  const recorded = () => readFileSync(calls, 'utf8').trim().split('\n');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kind-test-'));
    calls = join(dir, 'calls.log');
    writeFileSync(calls, '');
    mkdirSync(join(dir, 'bin'));
    // kind: `get clusters` lists the cluster once `create cluster` made it.
    stub(
      'kind',
      `case "$1 $2" in
  "get clusters") [ -f "${dir}/created" ] && echo eks-cdk-reference; exit 0 ;;
  "create cluster") touch "${dir}/created" ;;
  "get kubeconfig") echo "apiVersion: v1"; echo "kind: Config" ;;
  "delete cluster") rm -f "${dir}/created" ;;
esac`,
    );
    // docker: an engine that answers, and the kind network's gateway on loopback.
    stub(
      'docker',
      `case "$1" in
  info) exit 0 ;;
  network) echo "127.0.0.1 fc00:f853:ccd:e793::1" ;;
esac`,
    );
    stub('kubectl', 'case "$*" in *port-forward*) exec sleep 30 ;; esac');
    env = {
      ...process.env,
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
      LOCAL_K8S: 'kind',
      LOCAL_STATE_DIR: join(dir, 'state'),
      KUBECTL: join(dir, 'bin', 'kubectl'),
    };
  });

  afterEach(async () => {
    await kindSh('stop').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  test('when started, then it creates the cluster with the node image of the pinned Kubernetes, writes its kubeconfig and labels the node with a zone', async () => {
    const { stdout } = await kindSh('start');
    expect(stdout).toContain('cluster: kind eks-cdk-reference ready');
    const versions = readFileSync(join(ROOT, 'local', 'k8s', 'versions.sh'), 'utf8');
    const k8s = /^K8S_VERSION=(\S+)/m.exec(versions)![1];
    expect(recorded()).toEqual([
      'docker info',
      'kind get clusters',
      `kind create cluster --name eks-cdk-reference --image kindest/node:${k8s} --wait 120s`,
      'kind get kubeconfig --name eks-cdk-reference',
      'kubectl label node --all --overwrite topology.kubernetes.io/zone=local-a',
    ]);
    const state = join(dir, 'state', 'k8s');
    expect(readFileSync(join(state, 'kubeconfig'), 'utf8')).toContain('kind: Config');
    expect(readFileSync(join(state, 'env'), 'utf8')).toMatch(/^K8S_PROVIDER=kind$/m);
    expect(readFileSync(join(state, 'provider'), 'utf8').trim()).toBe('kind');
  });

  test('when started again, then the running cluster is kept (no second create)', async () => {
    await kindSh('start');
    await kindSh('start');
    expect(recorded().filter((c) => c.startsWith('kind create'))).toHaveLength(1);
  });

  test('when the image is loaded and the host and api exposed, then it uses kind load, the gateway and a port-forward', async () => {
    await kindSh('start');
    await kindSh('load', '/images/eks-service-abc.tar');
    const port = await freePort();
    const { stdout } = await kindSh('expose-host', 'emulator', String(port));
    expect(stdout.trim()).toBe(`127.0.0.1:${port}`);
    await kindSh('expose-api', 'eks-service', '80');
    // The port-forward runs in the background: give it a moment to start.
    for (let i = 0; i < 50 && !recorded().some((c) => c.includes('port-forward')); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const commands = recorded();
    expect(commands).toContain(
      'kind load image-archive /images/eks-service-abc.tar --name eks-cdk-reference',
    );
    expect(commands).toContain('docker network inspect kind -f {{range .IPAM.Config}}{{.Gateway}} {{end}}');
    expect(commands).toContainEqual(
      expect.stringMatching(
        /^kubectl -n eks-service port-forward --address 127\.0\.0\.1 service\/eks-service \d+:80$/,
      ),
    );
  });

  test('when stopped, then it deletes the cluster and forgets it', async () => {
    await kindSh('start');
    await kindSh('stop');
    expect(recorded()).toContain('kind delete cluster --name eks-cdk-reference');
    expect(existsSync(join(dir, 'state', 'k8s', 'env'))).toBe(false);
    expect(existsSync(join(dir, 'state', 'k8s', 'provider'))).toBe(false);
  });

  test('when kind is missing, then one line says what LOCAL_K8S=kind needs', async () => {
    rmSync(join(dir, 'bin', 'kind'));
    const err = await kindSh('start').catch((e: { stderr: string }) => e.stderr);
    expect(err).toMatch(/LOCAL_K8S=kind needs kind on the PATH/);
  });
});
