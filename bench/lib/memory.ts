import { existsSync, readFileSync } from 'node:fs';
import type { AfterGc, MemorySnapshot } from './memory-probe';

/** Peak memory of one process over the bench: the kernel's high-water mark and what the peak held. */
export interface ProcessMemory {
  readonly process: 'api (full app)' | 'worker';
  /** VmHWM of /proc/<pid>/status: the peak resident set over the process's life. */
  readonly peakRssBytes: number;
  /** The highest VmRSS the bench's own sampling (every 250 ms) saw. */
  readonly sampledPeakRssBytes: number;
  /** The process's own breakdown when its RSS peaked (bench/lib/memory-probe.ts), if it wrote one. */
  readonly atPeak?: MemorySnapshot;
  /** After the last run, following a full GC (SIGUSR2 to the probe): the live heap. */
  readonly afterGc?: AfterGc;
}

const kib = (status: string, field: string): number => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : 0;
};

/** VmHWM and VmRSS of a running process (0 when it is gone). */
export function procMemory(pid: number | undefined): { hwm: number; rss: number } {
  if (!pid) return { hwm: 0, rss: 0 };
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { hwm: kib(status, 'VmHWM'), rss: kib(status, 'VmRSS') };
  } catch {
    return { hwm: 0, rss: 0 };
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples VmRSS of a process every `everyMs` until `finish()`, which reads VmHWM one last time
 * (call it before the process stops) and the probe file.
 */
export function watchMemory(
  name: ProcessMemory['process'],
  pid: number | undefined,
  probeFile: string,
  everyMs = 250,
) {
  let sampled = 0;
  const timer = setInterval(() => {
    sampled = Math.max(sampled, procMemory(pid).rss);
  }, everyMs);
  timer.unref();
  return {
    /** Asks the probe for its after-GC figures (call before finish(), give it a moment). */
    requestGc(): void {
      if (pid) {
        try {
          process.kill(pid, 'SIGUSR2');
        } catch {
          // gone already
        }
      }
    },
    finish(): ProcessMemory {
      clearInterval(timer);
      const { hwm, rss } = procMemory(pid);
      const atPeak = readJson<MemorySnapshot>(probeFile);
      const afterGc = readJson<AfterGc>(probeFile.replace(/\.json$/, '.after-gc.json'));
      return {
        process: name,
        peakRssBytes: hwm,
        sampledPeakRssBytes: Math.max(sampled, rss),
        ...(atPeak ? { atPeak } : {}),
        ...(afterGc ? { afterGc } : {}),
      };
    },
  };
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '–' : (bytes / 1e6).toFixed(1));

export const MEMORY_HEADER = [
  'process',
  'peak RSS MB (VmHWM)',
  'sampled peak MB',
  'at the peak: heap used / committed MB',
  'code space MB',
  'external MB (ArrayBuffers)',
  'after the run + full GC: RSS / live heap MB',
  'modules (AWS SDK clients)',
];

export function memoryCells(m: ProcessMemory): string[] {
  const p = m.atPeak;
  const clients = p?.awsSdkPackages.filter((name) => name.startsWith('@aws-sdk/client-')) ?? [];
  return [
    m.process,
    mb(m.peakRssBytes),
    mb(m.sampledPeakRssBytes),
    p ? `${mb(p.heapUsedBytes)} / ${mb(p.heapTotalBytes)}` : '–',
    mb(p?.codeSpaceBytes),
    p ? `${mb(p.externalBytes)} (${mb(p.arrayBuffersBytes)})` : '–',
    m.afterGc ? `${mb(m.afterGc.rssBytes)} / ${mb(m.afterGc.heapUsedBytes)}` : '–',
    p
      ? `${p.modulesLoaded} (${clients.length}: ${clients.map((c) => c.replace('@aws-sdk/client-', '')).join(', ')})`
      : '–',
  ];
}

export function memoryTextTable(rows: readonly ProcessMemory[]): string {
  const body = rows.map(memoryCells);
  const widths = MEMORY_HEADER.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(MEMORY_HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function memoryMarkdown(rows: readonly ProcessMemory[]): string {
  if (rows.length === 0) return '';
  const row = (c: string[]) => `| ${c.join(' | ')} |`;
  return [
    'Peak memory over the whole run (warm-up included), MB = 10⁶ bytes. The api is the full app; the',
    'worker is service/src/worker.ts consuming the run’s queue (it stores what POST /process_message sent).',
    'Both run from TypeScript through tsx, as the bench starts them.',
    '',
    row(MEMORY_HEADER),
    `|${MEMORY_HEADER.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((m) => row(memoryCells(m))),
    '',
  ].join('\n');
}
