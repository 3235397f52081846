/**
 * Preloaded into the benchmarked full-app api and the worker (`--import tsx --import <this file>`):
 * every 250 ms it samples process.memoryUsage() and V8's heap spaces, and whenever the RSS reaches
 * a new peak it writes that breakdown to BENCH_MEMORY_FILE (JSON), so the bench can say what the
 * peak consisted of: JS heap (used / committed, of which code), external and ArrayBuffer memory,
 * and how many modules (and AWS SDK / Smithy packages) are loaded. On SIGUSR2 it runs a full GC and
 * writes what is still live next to it. Does nothing without the variable.
 */
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface MemorySnapshot {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  readonly arrayBuffersBytes: number;
  /** V8 code space (compiled functions) and the read-only space, committed. */
  readonly codeSpaceBytes: number;
  readonly largeObjectSpaceBytes: number;
  readonly modulesLoaded: number;
  /** Distinct @aws-sdk/* and @smithy/* packages in the module cache. */
  readonly awsSdkPackages: string[];
  readonly smithyPackages: number;
  readonly at: string;
}

/** Written on SIGUSR2 (the bench sends it after the last run): what is still live after a full GC. */
export interface AfterGc {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
}

const file = process.env.BENCH_MEMORY_FILE;

function snapshot(): MemorySnapshot {
  const m = process.memoryUsage();
  const spaces = getHeapSpaceStatistics();
  const space = (name: string) => spaces.find((s) => s.space_name === name)?.space_size ?? 0;
  // The module cache (CommonJS, as tsx loads this project); empty if the probe ever runs as ESM.
  const modules = typeof require === 'undefined' ? [] : Object.keys(require.cache);
  const packages = (scope: string) =>
    [
      ...new Set(
        modules
          .map((p) => new RegExp(`node_modules/(${scope}/[^/]+)/`).exec(p)?.[1])
          .filter((p): p is string => !!p),
      ),
    ].sort();
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    arrayBuffersBytes: m.arrayBuffers,
    codeSpaceBytes: space('code_space') + space('code_large_object_space'),
    largeObjectSpaceBytes: space('large_object_space'),
    modulesLoaded: modules.length,
    awsSdkPackages: packages('@aws-sdk'),
    smithyPackages: packages('@smithy').length,
    at: new Date().toISOString(),
  };
}

if (file) {
  let peak = 0;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss <= peak) return;
    peak = rss;
    try {
      writeFileSync(file, JSON.stringify(snapshot()));
    } catch {
      // the bench's state directory went away: nothing to report to (never crash the process)
    }
  };
  setInterval(sample, 250).unref();
  process.on('SIGUSR2', () => {
    try {
      setFlagsFromString('--expose-gc');
      (runInNewContext('gc') as () => void)();
      const m = process.memoryUsage();
      const after: AfterGc = {
        rssBytes: m.rss,
        heapUsedBytes: m.heapUsed,
        heapTotalBytes: m.heapTotal,
        externalBytes: m.external,
      };
      writeFileSync(file.replace(/\.json$/, '.after-gc.json'), JSON.stringify(after));
    } catch {
      // as above
    }
  });
  // Once everything is loaded (the first samples happen during start-up).
  setTimeout(sample, 3000).unref();
}
