/** Renders benchmark results as a terminal table and as docs/benchmarks.md. */

import type { Options, Row, Runtime } from "./run.ts";

export interface Report {
  startedAt: string;
  minutes: number;
  command: string;
  options: Options;
  machine: Record<string, string>;
  versions: Record<string, string>;
  rows: Row[];
}

const QUEUES = ["autocron", "plainjob", "liteque", "bunqueue", "raw driver"];

function format(value: number | string | undefined, unit: string): string {
  if (value === undefined) return "";
  if (typeof value === "string") return "n/a";
  if (Number.isNaN(value)) return "n/a";
  if (unit === "ms" || unit === "MiB") return value.toFixed(value < 10 ? 2 : 1);
  return Math.round(value).toLocaleString("en-US");
}

/** Returns autocron's value divided by the peer's, or undefined when either is missing. */
function ratio(row: Row, peer: string): number | undefined {
  const mine = row.values.autocron;
  const theirs = row.values[peer];
  if (typeof mine !== "number" || typeof theirs !== "number" || theirs === 0) return undefined;
  return mine / theirs;
}

/** Formats a ratio with two decimals, or two significant digits when it is below 0.1. */
function formatRatio(value: number | undefined): string {
  if (value === undefined) return "";
  return value < 0.1 ? value.toPrecision(2) : value.toFixed(2);
}

function columnsOf(rows: Row[]): string[] {
  return QUEUES.filter((queue) => rows.some((row) => row.values[queue] !== undefined));
}

export function renderTerminal(report: Report): string {
  const lines: string[] = [];
  for (const runtime of report.options.runtimes) {
    const rows = report.rows.filter((row) => row.runtime === runtime);
    const queues = columnsOf(rows);
    const peers = queues.filter((queue) => queue !== "autocron" && queue !== "raw driver");
    const header = ["scenario", "unit", ...queues, ...peers.map((peer) => `a/${peer}`)];
    const table = rows.map((row) => [
      row.scenario,
      row.unit,
      ...queues.map((queue) => format(row.values[queue], row.unit)),
      ...peers.map((peer) => formatRatio(ratio(row, peer))),
    ]);
    const widths = header.map((cell, index) => Math.max(cell.length, ...table.map((line) => line[index]!.length)));
    const render = (cells: string[]) => cells.map((cell, index) => index < 2 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!)).join("  ");
    lines.push("", `${runtime} (${report.versions[runtime] ?? ""})`, render(header), ...table.map(render));
  }
  lines.push("", "a/<peer> is autocron's value divided by the peer's: above 1 is better for tasks/s, below 1 for ms.", "");
  return lines.join("\n");
}

interface Target {
  text: string;
  check: (rows: Row[]) => { met: boolean; detail: string } | undefined;
}

const find = (rows: Row[], runtime: Runtime, scenario: string) =>
  rows.find((row) => row.runtime === runtime && row.scenario === scenario);

const TARGETS: Target[] = [
  ...(["bun", "node"] as const).map((runtime): Target => ({
    text: `drain with 2 worker processes at least 2x plainjob on ${runtime}`,
    check: (rows) => {
      const row = find(rows, runtime, "drain, 2 processes");
      const value = row && ratio(row, "plainjob");
      return value === undefined ? undefined : { met: value >= 2, detail: `${value.toFixed(2)}x` };
    },
  })),
  ...(["node", "bun", "deno"] as const).map((runtime): Target => ({
    text: `drain with 2 worker processes at least half the raw-driver ceiling (64 per transaction) on ${runtime}`,
    check: (rows) => {
      const drain = find(rows, runtime, "drain, 2 processes")?.values.autocron;
      const ceiling = find(rows, runtime, "ceiling: raw claim + complete, 64 per transaction")?.values["raw driver"];
      if (typeof drain !== "number" || typeof ceiling !== "number") return undefined;
      return { met: drain >= ceiling / 2, detail: `${((drain / ceiling) * 100).toFixed(0)}% of the ceiling` };
    },
  })),
  {
    text: "burst enqueue at least 100,000 tasks/s on bun",
    check: (rows) => {
      const value = find(rows, "bun", "enqueue, burst in one turn")?.values.autocron;
      return typeof value === "number" ? { met: value >= 100_000, detail: `${Math.round(value).toLocaleString("en-US")} tasks/s` } : undefined;
    },
  },
  ...(["node", "bun", "deno"] as const).flatMap((runtime): Target[] => [
    {
      text: `latency from the supervising process p50 at most 2 ms and p99 at most 10 ms on ${runtime}`,
      check: (rows) => {
        const p50 = find(rows, runtime, "latency p50, enqueued by the supervising process")?.values.autocron;
        const p99 = find(rows, runtime, "latency p99, enqueued by the supervising process")?.values.autocron;
        if (typeof p50 !== "number" || typeof p99 !== "number") return undefined;
        return { met: p50 <= 2 && p99 <= 10, detail: `p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms` };
      },
    },
    {
      text: `latency from another process p50 at most 20 ms on ${runtime}`,
      check: (rows) => {
        const p50 = find(rows, runtime, "latency p50, enqueued by another process")?.values.autocron;
        return typeof p50 === "number" ? { met: p50 <= 20, detail: `p50 ${p50.toFixed(2)} ms` } : undefined;
      },
    },
    {
      text: `cron delay p99 at most 20 ms on ${runtime}`,
      check: (rows) => {
        const p99 = find(rows, runtime, "cron delay p99, per-second schedule")?.values.autocron;
        return typeof p99 === "number" ? { met: p99 <= 20, detail: `p99 ${p99.toFixed(2)} ms` } : undefined;
      },
    },
  ]),
];

export function renderMarkdown(report: Report): string {
  const out: string[] = [
    "# Benchmarks",
    "",
    "autocron measured side by side with the SQLite-backed queues plainjob, liteque and",
    "bunqueue, in one run on one machine. Each figure is the median of",
    `${report.options.runs} runs; every run is a fresh process on a fresh SQLite file in WAL mode`,
    "with `synchronous=NORMAL` (a commit survives a crash of the process; a power loss may",
    "lose the last commits). Ratios are autocron's value divided by the peer's.",
    "",
    "Regenerate this page with:",
    "",
    "```sh",
    `${report.command.includes("--write-docs") ? report.command : `${report.command} --write-docs`}`,
    "```",
    "",
    `Run started ${report.startedAt} and took ${report.minutes.toFixed(0)} minutes.`,
    "",
    "## Machine and versions",
    "",
    "| | |",
    "| --- | --- |",
    ...Object.entries(report.machine).map(([key, value]) => `| ${key} | ${value} |`),
    ...Object.entries(report.versions).map(([key, value]) => `| ${key} | ${value} |`),
    "",
    "## Scenarios",
    "",
    `- **enqueue**: ${report.options.count.toLocaleString("en-US")} delayed calls (${report.options.peerCount.toLocaleString("en-US")} for the peers), once one per event-loop`,
    "  turn (as request handlers make them), once in one synchronous loop; until every call is",
    "  durably stored.",
    `- **drain**: ${report.options.count.toLocaleString("en-US")} no-op tasks (${report.options.peerCount.toLocaleString("en-US")} for the peers, the slowest of which drain a few`,
    "  hundred a second) stored first, then drained; from the first task's start to the last",
    "  task's completion, as the queue or its worker recorded them. Worker threads only where the",
    "  queue has them.",
    `- **latency**: an idle queue with one worker; ${report.options.latencyCount.toLocaleString("en-US")} tasks, one at a time with 2 ms between them,`,
    "  from the call to the task's start (`performance.timeOrigin + performance.now()` in both",
    "  processes), enqueued by the supervising process or by another app process. The peers",
    `  poll for work, so they are compared separately: ${report.options.gapLatencyCount} tasks each, after a random pause`,
    "  of 0 to 1000 ms, so that calls arrive at random points of a poll interval.",
    `- **cron**: the delay between the planned second and the start of a per-second schedule, over ${report.options.cronRuns} runs.`,
    "- **memory**: resident set size from /proc, during the drain with 2 worker processes.",
    "- **ceiling**: autocron's schema and claim UPDATE (returning only the columns a result needs), issued",
    "  straight to the runtime's SQLite driver from one connection. It times single-row inserts in one",
    "  transaction, then transactions of 1 or 64 tasks, each a claim plus a delete and a result insert",
    "  per task.",
    "  Unlike a worker, it completes tasks in the transaction that claims them, so each task's row is",
    "  written once rather than twice.",
    "",
  ];

  for (const runtime of report.options.runtimes) {
    const rows = report.rows.filter((row) => row.runtime === runtime);
    const queues = columnsOf(rows);
    const peers = queues.filter((queue) => queue !== "autocron" && queue !== "raw driver");
    out.push(`## ${runtime} (${report.versions[runtime] ?? ""})`, "");
    out.push(`| scenario | unit | ${queues.join(" | ")} | ${peers.map((peer) => `autocron/${peer}`).join(" | ")} |`);
    out.push(`| --- | --- | ${queues.map(() => "---:").join(" | ")} | ${peers.map(() => "---:").join(" | ")} |`);
    for (const row of rows) {
      const cells = queues.map((queue) => format(row.values[queue], row.unit));
      const ratios = peers.map((peer) => formatRatio(ratio(row, peer)));
      out.push(`| ${row.scenario} | ${row.unit} | ${cells.join(" | ")} | ${ratios.join(" | ")} |`);
    }
    const missing = rows.flatMap((row) =>
      Object.entries(row.values).filter(([, value]) => typeof value === "string").map(([queue, value]) => `${queue}: ${value}`)
    );
    const reasons = [...new Set(missing)];
    if (reasons.length > 0) {
      out.push("", "n/a:", "", ...reasons.map((reason) => `- ${reason}`));
    }
    out.push("");
  }

  out.push("## Targets", "", "| target | result | met |", "| --- | --- | --- |");
  for (const target of TARGETS) {
    const outcome = target.check(report.rows);
    out.push(`| ${target.text} | ${outcome?.detail ?? "not measured"} | ${outcome === undefined ? "-" : outcome.met ? "yes" : "no"} |`);
  }
  out.push("");
  return out.join("\n");
}
