/**
 * autocron's side of the benchmark. Run as a script under one runtime:
 *   <runtime> scripts/bench/autocron.ts '<json request>'
 * It prints `RESULT <json>` as its last stdout line (see peer-contract.ts for the
 * shared scenarios) and progress on stderr.
 *
 * Extra scenarios: "latency" takes `from: "supervisor" | "other"`, "cron" measures how
 * late a per-second schedule starts, and "drain" also reports resident memory.
 */

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { setImmediate } from "node:timers";
import { fileURLToPath } from "node:url";
import { start, stop } from "../../mod.ts";
import { getRuntime, loadAdapter } from "../../src/runtime.ts";
import { noop, stamp } from "./bench-tasks.ts";
import { preciseNow, printResult, progress, quantile, residentMiB, sleep } from "./measure.ts";

const tasksModule = new URL("./bench-tasks.ts", import.meta.url);

type Request =
  | { scenario: "enqueue"; directory: string; count: number; mode: "spread" | "burst" }
  | { scenario: "drain"; directory: string; count: number; workers: number; isolation: "process" | "thread" }
  | { scenario: "latency"; directory: string; count: number; from?: "supervisor" | "other"; maxGapMs?: number }
  | { scenario: "latency-client"; directory: string; count: number; maxGapMs?: number }
  | { scenario: "cron"; directory: string; runs: number };

const request = JSON.parse(process.argv[2] ?? "{}") as Request;
const database = join(request.directory, "queue.db");

async function enqueue(count: number, mode: "spread" | "burst"): Promise<unknown> {
  await start(database, { tasks: [tasksModule], workers: 0, handleSignals: false });
  const stored: Promise<void>[] = [];
  const began = preciseNow();
  for (let index = 0; index < count; index++) {
    stored.push(noop().enqueued);
    if (mode === "spread") await new Promise((resolve) => setImmediate(resolve));
    if (index % 10_000 === 9_999) progress(`enqueued ${index + 1} of ${count}`);
  }
  await Promise.all(stored);
  const seconds = (preciseNow() - began) / 1000;
  await stop();
  return { scenario: "enqueue", count, seconds };
}

async function fill(count: number): Promise<void> {
  await start(database, { tasks: [tasksModule], workers: 0, handleSignals: false });
  for (let offset = 0; offset < count; offset += 5_000) {
    const batch = Array.from({ length: Math.min(5_000, count - offset) }, () => noop().enqueued);
    await Promise.all(batch);
  }
  await stop();
}

async function drain(count: number, workers: number, isolation: "process" | "thread"): Promise<unknown> {
  await fill(count);
  progress(`stored ${count} tasks; draining with ${workers} ${isolation} worker(s)`);

  const adapter = await loadAdapter();
  const reader = await adapter.openSqlite(database);
  await start(database, { tasks: [tasksModule], workers, isolation, handleSignals: false });

  const memory = { appIdleMiB: residentMiB(process.pid), appLoadMiB: 0, workerLoadMiB: [] as number[] };
  let done = 0;
  while (done < count) {
    await sleep(100);
    const row = await reader.db.selectFrom("autocron_results").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    done = Number(row.n);
    if (done > 0 && done < count && memory.workerLoadMiB.length === 0) {
      const rows = await reader.db.selectFrom("autocron_workers").select("pid").execute();
      memory.appLoadMiB = residentMiB(process.pid) ?? 0;
      memory.workerLoadMiB = isolation === "process" ? rows.map((row) => residentMiB(row.pid) ?? 0) : [];
    }
    progress(`drained ${done} of ${count}`);
  }

  const span = await reader.db
    .selectFrom("autocron_results")
    .select((eb) => [eb.fn.min<number>("started_at").as("first"), eb.fn.max<number>("finished_at").as("last")])
    .executeTakeFirstOrThrow();
  await reader.close();
  await stop();
  return { scenario: "drain", count, seconds: (span.last - span.first) / 1000, memory };
}

/**
 * Times call to start for `count` tasks, one at a time. Between tasks it pauses 2 ms,
 * long enough for the worker to go idle again, or, with `maxGapMs`, a random 0 to
 * `maxGapMs` ms as the peers' latency loop does; a warm-up task then runs first.
 */
async function measureLatency(count: number, maxGapMs: number | undefined): Promise<number[]> {
  const samples: number[] = [];
  if (maxGapMs !== undefined) await stamp().wait({ timeoutMs: 30_000 });
  for (let index = 0; index < count; index++) {
    await sleep(maxGapMs === undefined ? 2 : Math.random() * maxGapMs);
    const calledAt = preciseNow();
    const startedAt = await stamp().wait({ timeoutMs: 30_000 });
    samples.push(startedAt - calledAt);
  }
  return samples;
}

async function latency(count: number, from: "supervisor" | "other", maxGapMs: number | undefined): Promise<unknown> {
  await start(database, { tasks: [tasksModule], workers: 1, handleSignals: false });
  await sleep(1_000);
  const samplesMs = from === "supervisor" ? await measureLatency(count, maxGapMs) : await latencyFromOtherProcess(count);
  await stop();
  progress(`latency from ${from}: p50 ${quantile(samplesMs, 0.5).toFixed(2)} ms`);
  return { scenario: "latency", from, samplesMs };
}

/** Runs this script again as a second app process that only enqueues. */
function latencyFromOtherProcess(count: number): Promise<number[]> {
  const script = fileURLToPath(import.meta.url);
  const runtime = getRuntime();
  const args = runtime === "node"
    ? ["--import", "tsx", script]
    : runtime === "deno"
    ? ["run", "-A", script]
    : [script];
  const child = spawn(process.execPath, [...args, JSON.stringify({ ...request, scenario: "latency-client", count })], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("close", () => {
      const line = output.trim().split("\n").findLast((text) => text.startsWith("RESULT "));
      if (!line) return reject(new Error(`the client process printed no result:\n${output}`));
      resolve((JSON.parse(line.slice(7)) as { samplesMs: number[] }).samplesMs);
    });
  });
}

async function latencyClient(count: number): Promise<unknown> {
  const supervising = await start(database, { tasks: [tasksModule], handleSignals: false });
  if (supervising) throw new Error("the client process became the supervisor; the latency from another process was not measured");
  const samplesMs = await measureLatency(count, request.scenario === "latency-client" ? request.maxGapMs : undefined);
  await stop();
  return { scenario: "latency", samplesMs };
}

async function cronDelay(runs: number): Promise<unknown> {
  const file = process.env.AUTOCRON_BENCH_CRON_FILE;
  if (!file) throw new Error("the cron scenario needs AUTOCRON_BENCH_CRON_FILE, which the runner sets");
  await start(database, { tasks: [tasksModule], workers: 1, handleSignals: false });
  const read = () => {
    try {
      return readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  while (read().length < runs + 1) {
    await sleep(1_000);
    progress(`cron runs: ${read().length} of ${runs + 1}`);
  }
  await stop();
  // The first run may be a catch-up right after start; the rest start on their second.
  const delaysMs = read().slice(1, runs + 1).map((startedAt) => startedAt - Math.floor(startedAt / 1000) * 1000);
  return { scenario: "cron", samplesMs: delaysMs };
}

async function main(): Promise<unknown> {
  switch (request.scenario) {
    case "enqueue":
      return await enqueue(request.count, request.mode);
    case "drain":
      return await drain(request.count, request.workers, request.isolation);
    case "latency":
      return await latency(request.count, request.from ?? "supervisor", request.maxGapMs);
    case "latency-client":
      return await latencyClient(request.count);
    case "cron":
      return await cronDelay(request.runs);
  }
  throw new Error(`unknown scenario ${JSON.stringify(request)}`);
}

printResult(await main());
