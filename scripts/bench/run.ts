/**
 * Benchmarks autocron against its peers in one run: enqueue, drain, latency, cron,
 * memory and the raw-driver ceiling, on Node, Bun and Deno. Every measurement is a
 * fresh process on a fresh SQLite file (WAL, synchronous=NORMAL); each is repeated
 * `--runs` times and the median is reported.
 *
 *   npm run bench [-- --runs 3 --count 50000 --runtimes node,bun,deno --skip-peers --quick]
 *
 * Writes bench-results/latest.json, which also keeps each run's figure behind a
 * throughput median, and with --write-docs docs/benchmarks.md.
 * `--render` measures nothing and prints bench-results/latest.json again (and writes
 * docs/benchmarks.md from it, with --write-docs).
 */

import { execFileSync, spawn } from "node:child_process";
import { cpus, totalmem, type } from "node:os";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { median, quantile } from "./measure.ts";
import { renderMarkdown, renderTerminal, type Report } from "./report.ts";

export type Runtime = "node" | "bun" | "deno";

export interface Options {
  runs: number;
  count: number;
  /** Tasks per peer enqueue and drain; smaller, because the slowest peers drain a few hundred a second. */
  peerCount: number;
  latencyCount: number;
  /** Tasks in the latency comparison with random pauses of up to a second between calls. */
  gapLatencyCount: number;
  cronRuns: number;
  runtimes: Runtime[];
  peers: boolean;
  writeDocs: boolean;
}

/** One row of the report: a scenario on one runtime, with a value per queue. */
export interface Row {
  runtime: Runtime;
  scenario: string;
  unit: string;
  /** Higher is better for throughput, lower for latency and memory. */
  better: "higher" | "lower";
  values: Record<string, number | string | undefined>;
  /** Each run's figure behind a throughput median, per queue, so an outlier run shows. */
  runs?: Record<string, number[]>;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");
const PEERS = ["plainjob", "liteque", "bunqueue"] as const;

function parseOptions(args: string[]): Options {
  const value = (flag: string, fallback: string) => {
    const index = args.indexOf(flag);
    return index >= 0 ? args[index + 1]! : fallback;
  };
  const quick = args.includes("--quick");
  return {
    runs: Number(value("--runs", quick ? "1" : "3")),
    count: Number(value("--count", quick ? "5000" : "50000")),
    peerCount: Number(value("--peer-count", quick ? "2000" : "10000")),
    latencyCount: Number(value("--latency-count", quick ? "100" : "1000")),
    gapLatencyCount: Number(value("--gap-latency-count", quick ? "20" : "200")),
    cronRuns: Number(value("--cron-runs", quick ? "5" : "60")),
    runtimes: value("--runtimes", "node,bun,deno").split(",") as Runtime[],
    peers: !args.includes("--skip-peers"),
    writeDocs: args.includes("--write-docs"),
  };
}

function runtimeCommand(runtime: Runtime, script: string): [string, string[]] {
  switch (runtime) {
    case "node":
      return [process.execPath, ["--import", "tsx", script]];
    case "bun":
      return [join(BIN, "bun"), [script]];
    case "deno":
      return [join(BIN, "deno"), ["run", "-A", script]];
  }
}

let step = 0;

/** Runs one measurement script in a fresh temporary directory and returns its RESULT. */
async function measure(
  runtime: Runtime,
  script: string,
  request: Record<string, unknown>,
  label: string,
  env: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  step++;
  const directory = mkdtempSync(join(tmpdir(), "autocron-bench-"));
  const [command, args] = runtimeCommand(runtime, join(ROOT, "scripts", "bench", script));
  process.stderr.write(`[${step}] ${runtime} ${label}\n`);
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(command, [...args, JSON.stringify({ ...request, directory })], {
        cwd: ROOT,
        env: { ...process.env, ...env, AUTOCRON_BENCH_CRON_FILE: env.AUTOCRON_BENCH_CRON_FILE ?? "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        // Progress lines of the script, shortened to one updating line on a terminal.
        const last = chunk.toString().trim().split("\n").at(-1) ?? "";
        if (process.stderr.isTTY) process.stderr.write(`\r    ${last.trim().slice(0, 70).padEnd(70)}`);
      });
      child.on("close", (code) => {
        if (process.stderr.isTTY) process.stderr.write("\r" + " ".repeat(76) + "\r");
        const line = stdout.trim().split("\n").findLast((text) => text.startsWith("RESULT "));
        if (!line) {
          reject(new Error(`${runtime} ${label} printed no RESULT (exit code ${code}):\n${stderr.slice(-2000)}`));
          return;
        }
        resolve(JSON.parse(line.slice(7)) as Record<string, unknown>);
      });
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Repeats a measurement and returns every result. */
async function repeat(
  runs: number,
  run: (index: number) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>[]> {
  const results: Record<string, unknown>[] = [];
  for (let index = 0; index < runs; index++) results.push(await run(index));
  return results;
}

const rates = (results: Record<string, unknown>[]) =>
  results.map((result) => (result.count as number) / (result.seconds as number));

const latencyQuantile = (results: Record<string, unknown>[], q: number) =>
  median(results.map((result) => quantile(result.samplesMs as number[], q)));

/** Measures one peer's scenario, or returns the reason it cannot run here. */
async function measurePeer(
  options: Options,
  runtime: Runtime,
  peer: string,
  request: Record<string, unknown>,
  label: string,
): Promise<Record<string, unknown>[] | string> {
  try {
    const results = await repeat(options.runs, (index) =>
      measure(runtime, `peers/${peer}.ts`, request, `${label} ${peer} (run ${index + 1}/${options.runs})`));
    const unsupported = results.find((result) => typeof result.unsupported === "string");
    return unsupported ? String(unsupported.unsupported) : results;
  } catch (error) {
    return `failed: ${(error as Error).message.split("\n")[0]}`;
  }
}

/**
 * Measures a throughput scenario for autocron, then for each peer. Returns the row's
 * medians, each run's figure, and autocron's results.
 */
async function measureThroughput(
  options: Options,
  runtime: Runtime,
  peers: readonly string[],
  request: Record<string, unknown>,
  label: string,
): Promise<{ values: Row["values"]; runs: Record<string, number[]>; results: Record<string, unknown>[] }> {
  const results = await repeat(options.runs, (index) => measure(runtime, "autocron.ts", request, `${label} autocron (run ${index + 1})`));
  const values: Row["values"] = {};
  const runs: Record<string, number[]> = {};
  const keep = (queue: string, figures: number[]) => {
    values[queue] = median(figures);
    runs[queue] = figures;
  };

  keep("autocron", rates(results));
  for (const peer of peers) {
    const peerResults = await measurePeer(options, runtime, peer, { ...request, count: options.peerCount }, label);
    if (typeof peerResults === "string") values[peer] = peerResults;
    else keep(peer, rates(peerResults));
  }
  return { values, runs, results };
}

async function benchRuntime(options: Options, runtime: Runtime): Promise<Row[]> {
  const rows: Row[] = [];
  const peers = options.peers ? PEERS : [];
  const add = (row: Omit<Row, "runtime">) => rows.push({ runtime, ...row });

  for (const mode of ["spread", "burst"] as const) {
    const request = { scenario: "enqueue", count: options.count, mode };
    const { values, runs } = await measureThroughput(options, runtime, peers, request, `enqueue ${mode}`);
    add({ scenario: `enqueue, ${mode === "spread" ? "one per turn" : "burst in one turn"}`, unit: "tasks/s", better: "higher", values, runs });
  }

  const memory: Record<string, unknown>[] = [];
  for (const isolation of ["process", "thread"] as const) {
    for (const workers of [1, 2, 4]) {
      const request = { scenario: "drain", count: options.count, workers, isolation };
      const { values, runs, results } = await measureThroughput(options, runtime, peers, request, `drain ${workers} ${isolation}`);
      if (isolation === "process" && workers === 2) memory.push(...results);
      add({ scenario: `drain, ${workers} ${isolation === "process" ? "process" : "thread"}${workers > 1 ? "es" : ""}`.replace("threades", "threads"), unit: "tasks/s", better: "higher", values, runs });
    }
  }

  for (const from of ["supervisor", "other"] as const) {
    const request = { scenario: "latency", count: options.latencyCount, from };
    const results = await repeat(options.runs, (index) => measure(runtime, "autocron.ts", request, `latency from ${from} autocron (run ${index + 1})`));
    for (const [q, name] of [[0.5, "p50"], [0.95, "p95"], [0.99, "p99"]] as const) {
      add({
        scenario: `latency ${name}, enqueued by ${from === "supervisor" ? "the supervising process" : "another process"}`,
        unit: "ms",
        better: "lower",
        values: { autocron: latencyQuantile(results, q) },
      });
    }
  }

  // The peers poll, so their latency depends on when a call arrives in their sleep: this
  // comparison pauses a random 0 to 1000 ms before each call, for every queue alike.
  const gapRequest = { scenario: "latency", count: options.gapLatencyCount, maxGapMs: 1_000 };
  const gapResults: Record<string, Record<string, unknown>[] | string> = {
    autocron: [await measure(runtime, "autocron.ts", gapRequest, "latency with random pauses autocron")],
  };
  for (const peer of peers) {
    gapResults[peer] = await measurePeer({ ...options, runs: 1 }, runtime, peer, gapRequest, "latency with random pauses");
  }
  for (const [q, name] of [[0.5, "p50"], [0.95, "p95"], [0.99, "p99"]] as const) {
    const values: Row["values"] = {};
    for (const [queue, value] of Object.entries(gapResults)) values[queue] = typeof value === "string" ? value : latencyQuantile(value, q);
    add({ scenario: `latency ${name}, random pauses up to 1 s between calls`, unit: "ms", better: "lower", values });
  }

  const cronFile = join(mkdtempSync(join(tmpdir(), "autocron-cron-")), "runs.txt");
  const cron = await measure(runtime, "autocron.ts", { scenario: "cron", runs: options.cronRuns }, `cron delay over ${options.cronRuns} runs`, {
    AUTOCRON_BENCH_CRON_FILE: cronFile,
  });
  for (const [q, name] of [[0.5, "p50"], [0.95, "p95"], [0.99, "p99"]] as const) {
    add({ scenario: `cron delay ${name}, per-second schedule`, unit: "ms", better: "lower", values: { autocron: quantile(cron.samplesMs as number[], q) } });
  }

  const memoryValues = (pick: (result: { memory: { appIdleMiB: number; appLoadMiB: number; workerLoadMiB: number[] } }) => number) =>
    median(memory.map((result) => pick(result as never)));
  add({ scenario: "memory, app idle", unit: "MiB", better: "lower", values: { autocron: memoryValues((result) => result.memory.appIdleMiB) } });
  add({ scenario: "memory, app under load", unit: "MiB", better: "lower", values: { autocron: memoryValues((result) => result.memory.appLoadMiB) } });
  add({
    scenario: "memory, each worker under load",
    unit: "MiB",
    better: "lower",
    values: { autocron: memoryValues((result) => median(result.memory.workerLoadMiB)) },
  });

  for (const batch of [1, 64]) {
    const results = await repeat(options.runs, (index) =>
      measure(runtime, "ceiling.ts", { count: options.count, batch }, `ceiling batch ${batch} (run ${index + 1})`));
    const inserts = results.map((result) => result.insertsPerSecond as number);
    const claims = results.map((result) => result.claimCompletePerSecond as number);
    if (batch === 1) {
      add({
        scenario: "ceiling: raw inserts, one transaction",
        unit: "tasks/s",
        better: "higher",
        values: { "raw driver": median(inserts) },
        runs: { "raw driver": inserts },
      });
    }
    add({
      scenario: `ceiling: raw claim + complete, ${batch} per transaction`,
      unit: "tasks/s",
      better: "higher",
      values: { "raw driver": median(claims) },
      runs: { "raw driver": claims },
    });
  }
  return rows;
}

function versions(runtimes: Runtime[]): Record<string, string> {
  const found: Record<string, string> = {
    autocron: JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version,
    kysely: JSON.parse(readFileSync(join(ROOT, "node_modules", "kysely", "package.json"), "utf8")).version,
    "better-sqlite3 (autocron and plainjob on Node)": JSON.parse(readFileSync(join(ROOT, "node_modules", "better-sqlite3", "package.json"), "utf8")).version,
  };
  for (const runtime of runtimes) {
    const [command, args] = runtime === "node" ? [process.execPath, ["--version"]] : [join(BIN, runtime), ["--version"]];
    found[runtime] = execFileSync(command, args, { encoding: "utf8" }).split("\n")[0]!.trim();
  }
  for (const peer of PEERS) {
    for (const candidate of [join(ROOT, "scripts/bench/peers", peer, "node_modules", peer)]) {
      if (existsSync(join(candidate, "package.json"))) {
        found[peer] = JSON.parse(readFileSync(join(candidate, "package.json"), "utf8")).version;
      }
    }
  }
  return found;
}

function machine(): Record<string, string> {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: String(cpus().length),
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    os: type(),
  };
}

async function main(): Promise<void> {
  if (process.argv.includes("--render")) {
    const saved = JSON.parse(readFileSync(join(ROOT, "bench-results", "latest.json"), "utf8")) as Report;
    writeReport(saved, process.argv.includes("--write-docs"));
    return;
  }

  const options = parseOptions(process.argv.slice(2));
  const installed = ["plainjob", "liteque", "bunqueue"].every((peer) => existsSync(join(ROOT, "scripts/bench/peers", peer, "node_modules")));
  if (options.peers && !installed) {
    process.stderr.write("installing the peer queues (scripts/bench/peers/install.sh)\n");
    execFileSync("bash", [join(ROOT, "scripts/bench/peers/install.sh")], { stdio: "inherit" });
  }

  const startedAt = new Date();
  const rows: Row[] = [];
  for (const runtime of options.runtimes) rows.push(...await benchRuntime(options, runtime));

  const report = {
    startedAt: startedAt.toISOString(),
    minutes: (Date.now() - startedAt.getTime()) / 60_000,
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
    options,
    machine: machine(),
    versions: versions(options.runtimes),
    rows,
  };
  mkdirSync(join(ROOT, "bench-results"), { recursive: true });
  writeFileSync(join(ROOT, "bench-results", "latest.json"), JSON.stringify(report, null, 2) + "\n");
  writeReport(report, options.writeDocs);
}

function writeReport(report: Report, writeDocs: boolean): void {
  process.stdout.write(renderTerminal(report));
  if (writeDocs) {
    mkdirSync(join(ROOT, "docs"), { recursive: true });
    writeFileSync(join(ROOT, "docs", "benchmarks.md"), renderMarkdown(report));
    process.stdout.write("wrote docs/benchmarks.md\n");
  }
}

await main();
