/**
 * Helpers shared by the peer benchmark scripts in this folder: request parsing, the
 * RESULT line, worker processes of the same runtime, and the enqueue, drain and
 * latency loops that every peer runs the same way (see ../peer-contract.ts).
 *
 * A peer script runs in one of two roles:
 *   <runtime> scripts/bench/peers/<peer>.ts '<json BenchRequest>'     measures one scenario
 *   <runtime> scripts/bench/peers/<peer>.ts --worker '<json options>' is a worker process
 * A worker process talks to its parent through stdout lines that start with "@bench "
 * and reads "stop" from stdin. Timestamps are wall-clock milliseconds from
 * performance.timeOrigin + performance.now(), so they compare across processes.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchRequest, BenchResult, BenchRuntime } from "../peer-contract.ts";

export type { BenchRequest, BenchResult, BenchRuntime };

export const RUNTIME: BenchRuntime = detectRuntime();

function detectRuntime(): BenchRuntime {
  if ("Bun" in globalThis) return "bun";
  if ("Deno" in globalThis) return "deno";
  return "node";
}

const PEERS_DIRECTORY = fileURLToPath(new URL(".", import.meta.url));
const WORKER_FLAG = "--worker";
const MESSAGE_PREFIX = "@bench ";

/**
 * Upper bound of the random pause before each latency call, in milliseconds. The pause
 * is uniform in [0, LATENCY_MAX_GAP_MS), so calls land at random points of a polling
 * worker's sleep, as independent requests would. 1000 ms covers one full poll period
 * of plainjob's default `pollIntervall` and of the `pollIntervalMs` used for liteque.
 */
export const LATENCY_MAX_GAP_MS = 1000;

/** The pause limit in force: the request's `maxGapMs`, else LATENCY_MAX_GAP_MS. */
let latencyMaxGapMs = LATENCY_MAX_GAP_MS;

/** How often a drain checks whether every job has finished. */
const DRAIN_CHECK_MS = 20;

/** A drain fails when the number of unfinished jobs has not dropped for this long. */
const DRAIN_STALL_TIMEOUT_MS = 120_000;

/** Time a worker process gets to report and exit after "stop" before it is killed. */
const WORKER_EXIT_TIMEOUT_MS = 30_000;

/** One peer's benchmark script: the scenario runner and the worker-process entry point. */
export interface PeerScript<WorkerOptions> {
  /** Peer name used in log lines, database file names and errors. */
  name: string;
  run(request: BenchRequest): Promise<BenchResult>;
  runWorker(options: WorkerOptions): Promise<void>;
}

/**
 * Runs a peer script from the command line: a scenario (printing `RESULT <json>` as the
 * last stdout line) or, with --worker, a worker process. Exits with code 1 after any error.
 */
export async function runPeerScript<WorkerOptions>(script: PeerScript<WorkerOptions>): Promise<void> {
  const [first, second] = process.argv.slice(2);
  try {
    if (first === WORKER_FLAG) {
      if (second === undefined) throw new Error(`${WORKER_FLAG} needs the worker options as JSON`);
      await script.runWorker(JSON.parse(second) as WorkerOptions);
      process.exit(0);
    }
    const request = parseRequest(first);
    if (request.scenario === "latency" && request.maxGapMs !== undefined) latencyMaxGapMs = request.maxGapMs;
    log(script.name, `${request.scenario} on ${RUNTIME}: ${JSON.stringify(request)}`);
    const result = await script.run(request);
    log(script.name, `done: ${summarize(result)}`);
    await writeStdout(`RESULT ${JSON.stringify(result)}\n`);
    process.exit(0);
  } catch (error) {
    console.error(`[${script.name}] failed:`, error);
    process.exit(1);
  }
}

/** Parses and validates the BenchRequest JSON passed as the first argument. */
export function parseRequest(text: string | undefined): BenchRequest {
  if (!text) throw new Error("missing request: pass a BenchRequest as JSON in the first argument");
  const value = JSON.parse(text) as Record<string, unknown>;

  if (typeof value.directory !== "string" || value.directory === "") {
    throw new Error(`invalid request: "directory" must be a non-empty string, got ${JSON.stringify(value.directory)}`);
  }
  requirePositiveInteger(value, "count");

  switch (value.scenario) {
    case "enqueue":
      if (value.mode !== "spread" && value.mode !== "burst") {
        throw new Error(`invalid request: "mode" must be "spread" or "burst", got ${JSON.stringify(value.mode)}`);
      }
      break;
    case "drain":
      requirePositiveInteger(value, "workers");
      if (value.isolation !== "process" && value.isolation !== "thread") {
        throw new Error(`invalid request: "isolation" must be "process" or "thread", got ${JSON.stringify(value.isolation)}`);
      }
      break;
    case "latency":
      break;
    default:
      throw new Error(`invalid request: unknown "scenario" ${JSON.stringify(value.scenario)}. Use enqueue, drain or latency`);
  }
  return value as unknown as BenchRequest;
}

/** Reasons a peer cannot run a request: per runtime, and for thread workers. */
export interface PeerLimits {
  node?: string;
  bun?: string;
  deno?: string;
  thread?: string;
}

/** Returns the "unsupported" result for a request the peer cannot run, or undefined. */
export function unsupportedRequest(request: BenchRequest, limits: PeerLimits): BenchResult | undefined {
  const runtimeReason = limits[RUNTIME];
  if (runtimeReason) return { scenario: request.scenario, unsupported: runtimeReason };

  if (request.scenario === "drain" && request.isolation === "thread" && limits.thread) {
    return { scenario: "drain", unsupported: limits.thread };
  }
  return undefined;
}

function requirePositiveInteger(value: Record<string, unknown>, key: string): void {
  const number = value[key];
  if (typeof number !== "number" || !Number.isInteger(number) || number < 1) {
    throw new Error(`invalid request: "${key}" must be a positive integer, got ${JSON.stringify(number)}`);
  }
}

function summarize(result: BenchResult): string {
  if ("unsupported" in result) return `unsupported (${result.unsupported})`;
  if ("samplesMs" in result) {
    const sorted = [...result.samplesMs].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
    return `${sorted.length} samples, median ${median.toFixed(2)} ms`;
  }
  return `${result.count} jobs in ${result.seconds.toFixed(3)} s`;
}

/** Writes one progress line to stderr. */
export function log(peer: string, message: string): void {
  process.stderr.write(`[${peer}] ${message}\n`);
}

/** Resolves once the text has been handed to stdout, so a following process.exit keeps it. */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/** Wall-clock time in milliseconds with sub-millisecond resolution, comparable across processes. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Creates `directory` if needed and returns a database path in it that no earlier run used. */
export function newDatabasePath(directory: string, peer: string, scenario: string): string {
  mkdirSync(directory, { recursive: true });
  return join(directory, `${peer}-${scenario}-${Date.now()}-${process.pid}.db`);
}

/**
 * Imports a package installed in one of the peer folders (scripts/bench/peers/<folder>),
 * whose node_modules are kept apart from the repository's. The specifier is resolved at
 * run time, so type-checking the repository does not need the peers installed.
 */
export async function importPeerPackage<Module>(folder: string, specifier: string): Promise<Module> {
  const require = createRequire(join(PEERS_DIRECTORY, folder, "package.json"));
  let resolved: string;
  try {
    resolved = require.resolve(specifier);
  } catch (error) {
    throw new Error(
      `${specifier} is not installed in scripts/bench/peers/${folder}. Run scripts/bench/peers/install.sh ` +
        `(${(error as Error).message})`,
    );
  }
  return (await import(pathToFileURL(resolved).href)) as Module;
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("could not read the port of a test listener"))));
    });
  });
}

/** Waits until something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (connected) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------
// Scenario loops

/**
 * Calls `enqueue` `count` times, one call per event-loop turn ("spread") or all in one
 * synchronous loop ("burst"), and returns the seconds from the first call until every
 * returned value or promise has settled. `enqueue` must settle only once its job is stored.
 */
export async function timeEnqueue(
  count: number,
  mode: "spread" | "burst",
  enqueue: (index: number) => unknown,
): Promise<number> {
  const pending: unknown[] = [];
  const started = performance.now();
  if (mode === "burst") {
    for (let index = 0; index < count; index++) pending.push(enqueue(index));
  } else {
    for (let index = 0; index < count; index++) {
      pending.push(enqueue(index));
      if (index < count - 1) await nextTurn();
    }
  }
  await Promise.all(pending);
  return (performance.now() - started) / 1000;
}

/** First job start, last job completion and job count, as one worker process or all of them saw it. */
export interface DrainTimes {
  firstStartMs: number;
  lastEndMs: number;
  processed: number;
}

/** Start and completion times that a worker process records in its job handler. */
export class JobClock {
  firstStartMs = Number.POSITIVE_INFINITY;
  lastEndMs = Number.NEGATIVE_INFINITY;
  processed = 0;

  /** Records a job start and returns its time. */
  started(): number {
    const now = wallClockMs();
    if (now < this.firstStartMs) this.firstStartMs = now;
    return now;
  }

  /** Records a job completion and returns its time. */
  finished(): number {
    const now = wallClockMs();
    if (now > this.lastEndMs) this.lastEndMs = now;
    this.processed++;
    return now;
  }

  /** Sends the recorded times to the parent process as a "times" message. */
  report(): void {
    sendToParent("times", this.firstStartMs, this.lastEndMs, this.processed);
  }
}

/**
 * Polls `unfinished()` every DRAIN_CHECK_MS until it returns 0. `checkWorkers` runs before
 * each poll and throws when a worker has died. Fails when no job finishes for
 * DRAIN_STALL_TIMEOUT_MS.
 */
export async function waitUntilDrained(options: {
  peer: string;
  unfinished: () => number | Promise<number>;
  checkWorkers?: () => void;
}): Promise<void> {
  let lastCount = Number.POSITIVE_INFINITY;
  let lastProgressAt = Date.now();
  let lastLogAt = Date.now();
  for (;;) {
    await sleep(DRAIN_CHECK_MS);
    options.checkWorkers?.();

    const count = await options.unfinished();
    if (count === 0) return;
    if (count < lastCount) {
      lastCount = count;
      lastProgressAt = Date.now();
    } else if (Date.now() - lastProgressAt > DRAIN_STALL_TIMEOUT_MS) {
      throw new Error(`drain stalled: ${count} jobs still unfinished after ${DRAIN_STALL_TIMEOUT_MS} ms without progress`);
    }
    if (Date.now() - lastLogAt > 2000) {
      log(options.peer, `draining: ${count} jobs left`);
      lastLogAt = Date.now();
    }
  }
}

/**
 * Starts `workers` worker processes of this script, waits until `unfinished()` returns 0,
 * stops them and returns the first start and last completion they recorded (JobClock).
 */
export async function drainWithWorkerProcesses(options: {
  peer: string;
  scriptUrl: string;
  workers: number;
  workerOptions: unknown;
  unfinished: () => number | Promise<number>;
}): Promise<DrainTimes> {
  const { peer, workers } = options;
  const processes: WorkerProcess[] = [];
  for (let index = 0; index < workers; index++) {
    processes.push(WorkerProcess.start(options.scriptUrl, options.workerOptions, `${peer} worker ${index + 1}`));
  }

  try {
    await waitUntilDrained({
      peer,
      unfinished: options.unfinished,
      checkWorkers: () => {
        const ended = processes.find((worker) => worker.exitStatus !== undefined);
        if (ended) throw new Error(`${ended.label} ended (${ended.exitStatus}) before the queue was drained`);
      },
    });

    const reports = await Promise.all(processes.map((worker) => worker.stop()));
    const times = reports.map(parseTimes);
    log(peer, `jobs completed per worker process: ${times.map((time) => time.processed).join(", ")}`);
    return {
      firstStartMs: Math.min(...times.map((time) => time.firstStartMs)),
      lastEndMs: Math.max(...times.map((time) => time.lastEndMs)),
      processed: times.reduce((sum, time) => sum + time.processed, 0),
    };
  } finally {
    for (const worker of processes) worker.kill();
  }
}

function parseTimes(fields: string[] | undefined): DrainTimes {
  if (!fields) return { firstStartMs: Infinity, lastEndMs: -Infinity, processed: 0 };
  const [firstStartMs, lastEndMs, processed] = fields.map(Number);
  return { firstStartMs: firstStartMs!, lastEndMs: lastEndMs!, processed: processed! };
}

/**
 * Measures call-to-start latency against one running worker process. Before each call it
 * pauses a random 0 to `maxGapMs` ms (LATENCY_MAX_GAP_MS by default), then records the time, calls `enqueue` and
 * waits for the worker's "started <index> <ms>" and "finished <index>" messages, so the
 * queue is idle at every call. One warm-up job runs first and is not sampled, so that
 * connecting and loading modules in the worker do not count.
 */
export async function measureLatency(options: {
  peer: string;
  count: number;
  worker: WorkerProcess;
  enqueue: (index: number) => unknown;
}): Promise<number[]> {
  const { peer, count, worker } = options;
  await worker.next("ready");
  const samples: number[] = [];
  let lastLogAt = Date.now();

  for (let index = -1; index < count; index++) {
    await sleep(Math.random() * latencyMaxGapMs);
    const calledAt = wallClockMs();
    await options.enqueue(index);
    const [, startedAt] = await worker.next("started", (fields) => fields[0] === String(index));
    await worker.next("finished", (fields) => fields[0] === String(index));
    if (index >= 0) samples.push(Number(startedAt) - calledAt);
    if (Date.now() - lastLogAt > 5000) {
      log(peer, `latency: ${samples.length} of ${count} samples`);
      lastLogAt = Date.now();
    }
  }
  return samples;
}

// ---------------------------------------------------------------------------
// Worker processes

/** A worker process of the current runtime running this script with --worker. */
export class WorkerProcess {
  readonly label: string;
  /** Exit code or signal ("code 0", "signal SIGKILL") once the process has ended, undefined before. */
  exitStatus: string | undefined = undefined;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #messages: string[][] = [];
  readonly #waiters: MessageWaiter[] = [];

  private constructor(child: ChildProcess, label: string) {
    this.label = label;
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitStatus = code === null ? `signal ${signal}` : `code ${code}`;
        this.#rejectWaiters();
        resolve();
      });
    });
    child.once("error", (error) => {
      this.exitStatus ??= `start error: ${error.message}`;
      this.#rejectWaiters();
    });
    createInterface({ input: child.stdout! }).on("line", (line) => this.#receive(line));
  }

  /** Starts `scriptUrl` with --worker and the options as JSON, under the same runtime as this process. */
  static start(scriptUrl: string, options: unknown, label: string): WorkerProcess {
    const [command, args] = sameRuntimeCommand(fileURLToPath(scriptUrl), [WORKER_FLAG, JSON.stringify(options)]);
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
    return new WorkerProcess(child, label);
  }

  /** Waits for (or takes an already received) message of this event whose fields match. */
  next(event: string, match: (fields: string[]) => boolean = () => true): Promise<string[]> {
    const index = this.#messages.findIndex(([name, ...fields]) => name === event && match(fields));
    if (index >= 0) return Promise.resolve(this.#messages.splice(index, 1)[0]!.slice(1));
    if (this.exitStatus !== undefined) {
      return Promise.reject(new Error(`${this.label} ended (${this.exitStatus}) before sending "${event}"`));
    }
    return new Promise((resolve, reject) => this.#waiters.push({ event, match, resolve, reject }));
  }

  /** Sends "stop", waits for the exit and returns the fields of the worker's "times" message, if it sent one. */
  async stop(): Promise<string[] | undefined> {
    if (this.exitStatus === undefined) this.#child.stdin?.write("stop\n");
    const times = this.next("times").catch(() => undefined);
    const timer = setTimeout(() => this.kill(), WORKER_EXIT_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(timer);
    if (this.exitStatus !== "code 0") throw new Error(`${this.label} ended (${this.exitStatus}) while stopping`);
    return times;
  }

  /** Kills the worker process if it is still running. */
  kill(): void {
    if (this.exitStatus === undefined) this.#child.kill("SIGKILL");
  }

  #receive(line: string): void {
    if (!line.startsWith(MESSAGE_PREFIX)) {
      process.stderr.write(`[${this.label}] ${line}\n`);
      return;
    }
    const [event = "", ...fields] = line.slice(MESSAGE_PREFIX.length).split(" ");
    const waiterIndex = this.#waiters.findIndex((waiter) => waiter.event === event && waiter.match(fields));
    if (waiterIndex >= 0) {
      this.#waiters.splice(waiterIndex, 1)[0]!.resolve(fields);
    } else {
      this.#messages.push([event, ...fields]);
    }
  }

  #rejectWaiters(): void {
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new Error(`${this.label} ended (${this.exitStatus}) before sending "${waiter.event}"`));
    }
  }
}

interface MessageWaiter {
  event: string;
  match: (fields: string[]) => boolean;
  resolve: (fields: string[]) => void;
  reject: (error: Error) => void;
}

/** Returns the command and arguments that run `scriptPath` under the runtime of this process. */
export function sameRuntimeCommand(scriptPath: string, args: string[]): [string, string[]] {
  switch (RUNTIME) {
    case "node":
      // process.execArgv keeps loader flags such as "--import tsx".
      return [process.execPath, [...process.execArgv, scriptPath, ...args]];
    case "bun":
      return [process.execPath, [scriptPath, ...args]];
    case "deno":
      return [process.execPath, ["run", "-A", scriptPath, ...args]];
  }
}

/** Sends one "@bench <event> <fields>" message from a worker process to its parent. */
export function sendToParent(event: string, ...fields: Array<string | number>): void {
  process.stdout.write(`${MESSAGE_PREFIX}${[event, ...fields].join(" ")}\n`);
}

/** Resolves when the parent writes "stop" to this worker process's stdin or closes it. */
export function waitForStop(): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    const finish = () => {
      lines.close();
      resolve();
    };
    lines.on("line", (line) => {
      if (line.trim() === "stop") finish();
    });
    lines.once("close", finish);
  });
}
