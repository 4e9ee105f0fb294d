/** Small helpers shared by the benchmark scripts. */

import { readFileSync } from "node:fs";
import process from "node:process";

/** Returns the current time in ms since the epoch, with sub-millisecond precision. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Returns the value at quantile `q` (0..1) of the samples, by the nearest-rank method. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Returns the median of the values. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Reads the resident set size of a process in MiB from /proc (Linux). */
export function residentMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
    return Number.isFinite(kib) ? kib / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Prints a progress line on stderr, which the runner passes through. */
export function progress(text: string): void {
  process.stderr.write(`  ${text}\n`);
}

/** Prints the measurement as the script's last stdout line. */
export function printResult(result: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
