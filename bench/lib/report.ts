import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';

/** The three servers of every run. */
export const SERVERS = ['full', 'express', 'node'] as const;
export type ServerName = (typeof SERVERS)[number];

export const SERVER_LABELS: Record<ServerName, string> = {
  full: 'full app',
  express: 'minimal Express',
  node: 'bare node:http',
};

export interface Measurement {
  readonly scenario: string;
  readonly server: ServerName;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** CPU time (user + system) of the server process per request: far less sensitive than req/s to other work on the machine. */
  readonly cpuMicrosPerRequest: number;
  /** Responses that were not 2xx, plus socket errors and timeouts: a run with any is not comparable. */
  readonly failures: number;
  /** With several rounds: the figures above are medians, these are each round's req/s. */
  readonly rounds?: number[];
  /** This server's req/s divided by the minimal Express app's and by the bare handler's. */
  ratioToExpress?: number;
  ratioToNode?: number;
  /** The minimal Express app's CPU per request divided by this server's (1 = as cheap, 0.5 = twice the CPU). */
  cpuRatioToExpress?: number;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly kernel: string;
  readonly date: string;
  /** 1-minute load average when the run started and ended: above the core count, other work shared the CPU. */
  loadAverage: { readonly start: number; end?: number };
}

export interface Settings {
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly rounds: number;
}

export function describeMachine(now = new Date()): Machine {
  let cpu = 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: keep the placeholder
  }
  return {
    cpu,
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: `Linux ${release()}`,
    date: now.toISOString(),
    loadAverage: { start: loadAverage1m() },
  };
}

export const loadAverage1m = (): number => Math.round(loadavg()[0] * 10) / 10;

export const machineLabel = (m: Machine): string =>
  `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.kernel}, ${m.date}` +
  ` (load average ${m.loadAverage.start} at the start, ${m.loadAverage.end ?? '?'} at the end)`;

const spread = (values: number[]) => Math.max(...values) - Math.min(...values);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One row per scenario and server: the median of its rounds (req/s, p50, p99), failures summed. */
export function combineRounds(runs: Measurement[]): Measurement[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of runs) {
    const key = `${m.scenario}\u0000${m.server}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].map((g) => ({
    scenario: g[0].scenario,
    server: g[0].server,
    requestsPerSecond: median(g.map((m) => m.requestsPerSecond)),
    p50Ms: median(g.map((m) => m.p50Ms)),
    p99Ms: median(g.map((m) => m.p99Ms)),
    cpuMicrosPerRequest: median(g.map((m) => m.cpuMicrosPerRequest)),
    requests: g.reduce((n, m) => n + m.requests, 0),
    failures: g.reduce((n, m) => n + m.failures, 0),
    rounds: g.map((m) => Math.round(m.requestsPerSecond)),
  }));
}

/** Fills each measurement's ratios to the two baselines of the same scenario. */
export function addRatios(rows: Measurement[]): void {
  for (const row of rows) {
    const of = (server: ServerName) =>
      rows.find((r) => r.scenario === row.scenario && r.server === server)?.requestsPerSecond;
    const express = of('express');
    const node = of('node');
    row.ratioToExpress = express ? row.requestsPerSecond / express : undefined;
    row.ratioToNode = node ? row.requestsPerSecond / node : undefined;
    const expressCpu = rows.find(
      (r) => r.scenario === row.scenario && r.server === 'express',
    )?.cpuMicrosPerRequest;
    row.cpuRatioToExpress =
      expressCpu && row.cpuMicrosPerRequest ? expressCpu / row.cpuMicrosPerRequest : undefined;
  }
}

const HEADER = [
  'scenario',
  'server',
  'req/s',
  'spread',
  'p50 ms',
  'p99 ms',
  '÷ Express',
  '÷ node:http',
  'CPU µs/req',
  'Express CPU ÷ CPU',
  'failed',
];

const cells = (r: Measurement): string[] => [
  r.scenario,
  SERVER_LABELS[r.server],
  r.requestsPerSecond.toFixed(0),
  r.rounds && r.rounds.length > 1 ? `${((spread(r.rounds) / r.requestsPerSecond) * 100).toFixed(0)}%` : '–',
  r.p50Ms.toFixed(1),
  r.p99Ms.toFixed(1),
  r.ratioToExpress === undefined ? '–' : `${(r.ratioToExpress * 100).toFixed(0)}%`,
  r.ratioToNode === undefined ? '–' : `${(r.ratioToNode * 100).toFixed(0)}%`,
  r.cpuMicrosPerRequest.toFixed(0),
  pct(r.cpuRatioToExpress),
  String(r.failures),
];

/** A fixed-width table for the terminal. */
export function textTable(rows: Measurement[]): string {
  const body = rows.map(cells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The same table in Markdown, with the machine and settings above it. */
export function markdownReport(rows: Measurement[], machine: Machine, settings: Settings): string {
  const row = (c: string[]) => `| ${c.join(' | ')} |`;
  const align = `|${HEADER.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`;
  const full = rows.filter((r) => r.server === 'full');
  const summary = full.map(
    (r) =>
      `- \`${r.scenario}\`: full app at ${pct(r.ratioToExpress)} of minimal Express's req/s ` +
      `(${pct(r.cpuRatioToExpress)} by CPU per request), ${pct(r.ratioToNode)} of bare node:http`,
  );
  return [
    `Machine: ${machineLabel(machine)}`,
    '',
    `Settings: ${settings.connections} connections, ${settings.durationSeconds} s per run after a ` +
      `${settings.warmupSeconds} s warm-up (discarded), ${settings.rounds} round(s) (figures are medians, ` +
      'spread = (max − min) / median of the rounds), loopback, each server in its own process.',
    '',
    row(HEADER),
    align,
    ...rows.map((r) => row(cells(r))),
    '',
    ...summary,
    '',
  ].join('\n');
}

const pct = (ratio: number | undefined) => (ratio === undefined ? 'n/a' : `${(ratio * 100).toFixed(0)}%`);
