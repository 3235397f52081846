import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';

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
  /** Responses that were not 2xx, plus socket errors and timeouts: a run with any is not comparable. */
  readonly failures: number;
  /** This server's req/s divided by the minimal Express app's and by the bare handler's. */
  ratioToExpress?: number;
  ratioToNode?: number;
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

/** Fills each measurement's ratios to the two baselines of the same scenario. */
export function addRatios(rows: Measurement[]): void {
  for (const row of rows) {
    const of = (server: ServerName) =>
      rows.find((r) => r.scenario === row.scenario && r.server === server)?.requestsPerSecond;
    const express = of('express');
    const node = of('node');
    row.ratioToExpress = express ? row.requestsPerSecond / express : undefined;
    row.ratioToNode = node ? row.requestsPerSecond / node : undefined;
  }
}

const HEADER = ['scenario', 'server', 'req/s', 'p50 ms', 'p99 ms', '÷ Express', '÷ node:http', 'failed'];

const cells = (r: Measurement): string[] => [
  r.scenario,
  SERVER_LABELS[r.server],
  r.requestsPerSecond.toFixed(0),
  r.p50Ms.toFixed(1),
  r.p99Ms.toFixed(1),
  r.ratioToExpress === undefined ? '–' : `${(r.ratioToExpress * 100).toFixed(0)}%`,
  r.ratioToNode === undefined ? '–' : `${(r.ratioToNode * 100).toFixed(0)}%`,
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
      `- \`${r.scenario}\`: full app at ${pct(r.ratioToExpress)} of minimal Express, ${pct(r.ratioToNode)} of bare node:http`,
  );
  return [
    `Machine: ${machineLabel(machine)}`,
    '',
    `Settings: ${settings.connections} connections, ${settings.durationSeconds} s per run after a ` +
      `${settings.warmupSeconds} s warm-up (discarded), loopback, each server in its own process.`,
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
