import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly hitCount?: number;
  readonly children?: number[];
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Where a function lives: an npm package, a service file, Node itself, or a V8 pseudo-node. */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const service = /\/service\/src\/(.+)$/.exec(url);
  if (service) return `service/src/${service[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^file:\/\//, '');
}

const table = (entries: [string, number][], total: number, limit: number): string =>
  entries
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, hits]) => `  ${((hits / total) * 100).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n');

const key = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'}  ${url ? `${areaOf(url, functionName)}:${lineNumber + 1}` : ''}`.trim();
};

/** Samples in which a function is anywhere on the stack (each sample counted once per function). */
function inclusiveTime(nodes: ProfileNode[], samples: number[]): Map<string, number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const counts = new Map<string, number>();
  for (const id of samples) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node && node.callFrame.functionName !== '(root)') seen.add(key(node));
    }
    for (const k of seen) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/**
 * Self time of a V8 `.cpuprofile` (from `node --cpu-prof`), by function and by package or file,
 * as shares of the busy samples (idle excluded).
 */
export function summariseProfile(file: string, limit = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples?: number[] };
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') {
      idle += hits;
      continue;
    }
    total += hits;
    const area = areaOf(url, functionName);
    const name = key(node);
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
  }
  if (total === 0) return 'no samples';
  return [
    `busy ${((total / (total + idle)) * 100).toFixed(0)}% of the samples; inclusive time (self + callees):`,
    table([...inclusiveTime(profile.nodes, profile.samples ?? [])], total, limit),
    'self time by package or file:',
    table([...byArea], total, limit),
    'self time by function:',
    table([...byFunction], total, limit),
  ].join('\n');
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npx tsx bench/lib/profile.ts <file.cpuprofile> [limit]\n');
    process.exit(2);
  }
  console.log(summariseProfile(file, Number(process.argv[3] ?? 25)));
}
