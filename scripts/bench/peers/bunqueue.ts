/**
 * Benchmark of bunqueue 2.9.5 (installed in ./bunqueue) for the scenarios in
 * ../peer-contract.ts. bunqueue runs on Bun only.
 *
 * Durability: bunqueue persists to SQLite through a write buffer that a timer flushes
 * (every 10 ms in 2.9.5), so by default add() can resolve before the job is written.
 * Every queue here sets `defaultJobOptions: { durable: true }`, the job option that makes
 * SQLite admission bypass that buffer, so add() resolves after the INSERT. bunqueue itself
 * opens its database with journal_mode=WAL and synchronous=NORMAL (PRAGMA_SETTINGS in
 * dist/infrastructure/persistence/schema.js), on a connection this script cannot reach.
 *
 * Modes: an embedded queue lives inside one process, so
 * - enqueue uses an embedded Queue (`embedded: true, dataPath`), which writes the SQLite
 *   file from the calling process;
 * - drain with isolation "process" and latency run bunqueue's server (`bunqueue start`) on
 *   127.0.0.1 with the SQLite file, and Worker processes connect to it over TCP;
 * - drain with isolation "thread" uses an embedded Queue and a SandboxedWorker, which runs
 *   the job processor in `workers` Bun Worker threads.
 * Each Worker process uses concurrency 1, so it handles one job at a time like the other
 * peers' workers. An idle Worker pulls again after `drainDelay` (default 50 ms, kept here).
 *
 * Usage: bun scripts/bench/peers/bunqueue.ts '<json BenchRequest>'
 */

import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  type BenchRequest,
  type BenchResult,
  drainWithWorkerProcesses,
  findFreePort,
  importPeerPackage,
  JobClock,
  log,
  measureLatency,
  newDatabasePath,
  runPeerScript,
  sendToParent,
  timeEnqueue,
  unsupportedRequest,
  waitForPort,
  waitForStop,
  waitUntilDrained,
  WorkerProcess,
  writeStdout,
} from "./common.ts";

const PEER = "bunqueue";
const QUEUE_NAME = "bench";
const JOB_NAME = "noop";
const HOST = "127.0.0.1";
const DURABLE_JOBS = { durable: true };
/** Jobs per addBulk() call when storing the jobs for a drain. */
const BULK_SIZE = 1000;
const SERVER_START_TIMEOUT_MS = 30_000;
const SERVER_STOP_TIMEOUT_MS = 30_000;
const NOOP_PROCESSOR = fileURLToPath(new URL("./bunqueue/noop-processor.ts", import.meta.url));

/** The parts of bunqueue/client's API that this script uses (bunqueue/dist/client/index.d.ts). */
interface BunqueueClient {
  Queue: new (name: string, options: QueueOptions) => BunqueueQueue;
  Worker: new (
    name: string,
    processor: (job: BunqueueJob) => Promise<unknown>,
    options: { connection: { host: string; port: number }; concurrency: number },
  ) => BunqueueWorker;
  SandboxedWorker: new (name: string, options: { processor: string; concurrency: number }) => {
    start(): Promise<void>;
    stop(): Promise<void>;
  };
  shutdownManager(): void;
}

interface QueueOptions {
  embedded?: boolean;
  dataPath?: string;
  connection?: { host: string; port: number };
  defaultJobOptions?: { durable?: boolean };
}

interface BunqueueQueue {
  add(name: string, data: JobData): Promise<unknown>;
  addBulk(jobs: Array<{ name: string; data: JobData }>): Promise<unknown[]>;
  getJobCountsAsync(): Promise<unknown>;
  /** Flushes batched adds, then closes the connection. */
  disconnect(): Promise<void>;
  close(): void;
}

interface BunqueueWorker {
  on(event: "ready", listener: () => void): unknown;
  on(event: "completed", listener: (job: BunqueueJob) => void): unknown;
  on(event: "failed", listener: (job: BunqueueJob, error: Error) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  close(): Promise<void>;
}

interface BunqueueJob {
  id: string;
  data: JobData;
}

interface JobData {
  index?: number;
}

interface WorkerOptions {
  port: number;
  role: "drain" | "latency";
}

type SqliteDatabase = import("bun:sqlite").Database;

function loadClient(): Promise<BunqueueClient> {
  return importPeerPackage<BunqueueClient>("bunqueue", "bunqueue/client");
}

/** Opens a separate connection to bunqueue's SQLite file, to check what it has stored. */
async function openDatabase(databasePath: string): Promise<SqliteDatabase> {
  const { Database } = await import("bun:sqlite");
  const database = new Database(databasePath);
  database.exec("PRAGMA busy_timeout = 5000");
  database.exec("PRAGMA journal_mode = WAL");
  database.exec("PRAGMA synchronous = NORMAL");
  return database;
}

function countJobs(database: SqliteDatabase, condition = "1"): number {
  const row = database.query(`SELECT COUNT(*) AS count FROM jobs WHERE queue = ? AND ${condition}`).get(QUEUE_NAME) as {
    count: number;
  };
  return row.count;
}

async function run(request: BenchRequest): Promise<BenchResult> {
  const onlyOnBun = "bunqueue 2.9.5 runs on Bun only: its embedded queue and server use bun:sqlite, Bun.listen and " +
    "Bun.serve, and its package exports load a stub that throws under any other runtime";
  const unsupported = unsupportedRequest(request, { node: onlyOnBun, deno: onlyOnBun });
  if (unsupported) return unsupported;

  const client = await loadClient();
  const databasePath = newDatabasePath(request.directory, PEER, request.scenario);
  switch (request.scenario) {
    case "enqueue":
      return await runEnqueue(client, databasePath, request.count, request.mode);
    case "drain":
      return request.isolation === "thread"
        ? await runThreadDrain(client, databasePath, request.count, request.workers)
        : await runProcessDrain(client, request.directory, databasePath, request.count, request.workers);
    case "latency":
      return await runLatency(client, request.directory, databasePath, request.count);
  }
}

/**
 * Enqueues into an embedded queue. A first query opens the database before the clock
 * starts, and a separate connection counts the stored rows afterwards, which confirms
 * that the durable adds did not stay in the write buffer.
 */
async function runEnqueue(client: BunqueueClient, databasePath: string, count: number, mode: "spread" | "burst"): Promise<BenchResult> {
  const queue = new client.Queue(QUEUE_NAME, { embedded: true, dataPath: databasePath, defaultJobOptions: DURABLE_JOBS });
  await queue.getJobCountsAsync();

  const seconds = await timeEnqueue(count, mode, () => queue.add(JOB_NAME, {}));

  const database = await openDatabase(databasePath);
  const stored = countJobs(database);
  database.close();
  queue.close();
  client.shutdownManager();
  if (stored !== count) throw new Error(`expected ${count} jobs in the SQLite file after enqueueing, found ${stored}`);
  return { scenario: "enqueue", count, seconds };
}

async function storeJobs(queue: BunqueueQueue, database: SqliteDatabase, count: number): Promise<void> {
  for (let stored = 0; stored < count; stored += BULK_SIZE) {
    const size = Math.min(BULK_SIZE, count - stored);
    await queue.addBulk(Array.from({ length: size }, () => ({ name: JOB_NAME, data: {} })));
  }
  const waiting = countJobs(database, "state = 'waiting'");
  if (waiting !== count) throw new Error(`expected ${count} waiting jobs in the SQLite file before the drain, found ${waiting}`);
}

/** Returns the drain time from the started_at and completed_at columns that bunqueue stores for each job. */
function storedDrainSeconds(database: SqliteDatabase, count: number): number {
  const row = database
    .query("SELECT MIN(started_at) AS first, MAX(completed_at) AS last, COUNT(*) AS count FROM jobs WHERE queue = ? AND state = 'completed'")
    .get(QUEUE_NAME) as { first: number; last: number; count: number };
  if (row.count !== count) throw new Error(`expected ${count} completed jobs after the drain, found ${row.count}`);
  return (row.last - row.first) / 1000;
}

/**
 * Drains through a bunqueue server with `workers` Worker processes. The times come from
 * the server's records: started_at is set when a worker pulls the job, completed_at when
 * the server applies its acknowledgement (both Date.now(), so millisecond resolution).
 */
async function runProcessDrain(
  client: BunqueueClient,
  directory: string,
  databasePath: string,
  count: number,
  workers: number,
): Promise<BenchResult> {
  const server = await BunqueueServer.start(directory, databasePath);
  try {
    const queue = new client.Queue(QUEUE_NAME, { connection: { host: HOST, port: server.port }, defaultJobOptions: DURABLE_JOBS });
    const database = await openDatabase(databasePath);
    await storeJobs(queue, database, count);
    await queue.disconnect();

    const handlerTimes = await drainWithWorkerProcesses({
      peer: PEER,
      scriptUrl: import.meta.url,
      workers,
      workerOptions: { port: server.port, role: "drain" } satisfies WorkerOptions,
      unfinished: () => countJobs(database, "state != 'completed'"),
    });
    await server.stop();

    const seconds = storedDrainSeconds(database, count);
    database.close();
    log(PEER, `first handler start to last 'completed' event in the workers: ${((handlerTimes.lastEndMs - handlerTimes.firstStartMs) / 1000).toFixed(3)} s`);
    if (handlerTimes.processed !== count) throw new Error(`workers completed ${handlerTimes.processed} jobs, expected ${count}`);
    return { scenario: "drain", count, seconds };
  } finally {
    server.kill();
  }
}

/** Drains an embedded queue with a SandboxedWorker that runs the processor in `workers` Worker threads. */
async function runThreadDrain(client: BunqueueClient, databasePath: string, count: number, workers: number): Promise<BenchResult> {
  const queue = new client.Queue(QUEUE_NAME, { embedded: true, dataPath: databasePath, defaultJobOptions: DURABLE_JOBS });
  const database = await openDatabase(databasePath);
  await storeJobs(queue, database, count);

  const sandbox = new client.SandboxedWorker(QUEUE_NAME, { processor: NOOP_PROCESSOR, concurrency: workers });
  await sandbox.start();
  await waitUntilDrained({ peer: PEER, unfinished: () => countJobs(database, "state != 'completed'") });
  await sandbox.stop();
  queue.close();
  client.shutdownManager();

  const seconds = storedDrainSeconds(database, count);
  database.close();
  return { scenario: "drain", count, seconds };
}

async function runLatency(client: BunqueueClient, directory: string, databasePath: string, count: number): Promise<BenchResult> {
  const server = await BunqueueServer.start(directory, databasePath);
  const worker = WorkerProcess.start(import.meta.url, { port: server.port, role: "latency" } satisfies WorkerOptions, `${PEER} worker`);
  try {
    const queue = new client.Queue(QUEUE_NAME, { connection: { host: HOST, port: server.port }, defaultJobOptions: DURABLE_JOBS });
    const samplesMs = await measureLatency({ peer: PEER, count, worker, enqueue: (index) => queue.add(JOB_NAME, { index }) });
    await queue.disconnect();
    await worker.stop();
    await server.stop();
    return { scenario: "latency", samplesMs };
  } finally {
    worker.kill();
    server.kill();
  }
}

async function runWorker(options: WorkerOptions): Promise<void> {
  const client = await loadClient();
  const clock = new JobClock();
  const latency = options.role === "latency";

  const worker = new client.Worker(
    QUEUE_NAME,
    async (job) => {
      const startedAt = clock.started();
      if (latency) sendToParent("started", job.data.index ?? -1, startedAt);
    },
    { connection: { host: HOST, port: options.port }, concurrency: 1 },
  );
  // bunqueue emits "completed" after the server has accepted the job's acknowledgement.
  worker.on("completed", (job) => {
    clock.finished();
    if (latency) sendToParent("finished", job.data.index ?? -1);
  });
  worker.on("failed", (job, error) => console.error(`[${PEER} worker ${process.pid}] job ${job.id} failed:`, error));
  worker.on("error", (error) => console.error(`[${PEER} worker ${process.pid}] error:`, error));
  await new Promise<void>((resolve) => worker.on("ready", resolve));
  sendToParent("ready");

  await waitForStop();
  await worker.close();
  clock.report();
  await writeStdout("");
}

/** A bunqueue server (`bunqueue start`) child process listening on 127.0.0.1 only. */
class BunqueueServer {
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #exitStatus: string | undefined;

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.#exitStatus = code === null ? `signal ${signal}` : `code ${code}`;
        resolve();
      });
    });
  }

  /**
   * Starts the server on free ports of 127.0.0.1 with the SQLite file at `databasePath`.
   * The working directory is `directory`, so no bunqueue.config.ts from elsewhere applies,
   * and the BUNQUEUE_* and S3_* variables (cloud agent, storage, S3 backup) are removed
   * from its environment.
   */
  static async start(directory: string, databasePath: string): Promise<BunqueueServer> {
    const packageJson = createRequire(fileURLToPath(new URL("./bunqueue/package.json", import.meta.url))).resolve(
      "bunqueue/package.json",
    );
    const cli = join(dirname(packageJson), "dist", "cli", "index.js");
    const tcpPort = await findFreePort();
    const httpPort = await findFreePort();
    const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: "warn" };
    for (const key of Object.keys(env)) {
      if (key.startsWith("BUNQUEUE_") || key.startsWith("S3_")) delete env[key];
    }

    const args = [cli, "start", "--host", HOST, "--tcp-port", `${tcpPort}`, "--http-port", `${httpPort}`, "--data-path", databasePath];
    // The server prints only a banner on stdout. Its warnings and errors go to stderr.
    const child = spawn(process.execPath, args, { cwd: directory, env, stdio: ["ignore", "ignore", "inherit"] });
    const server = new BunqueueServer(child, tcpPort);
    const failed = server.#exited.then(() => {
      throw new Error(`bunqueue server ended (${server.#exitStatus}) while starting`);
    });
    await Promise.race([waitForPort(tcpPort, SERVER_START_TIMEOUT_MS), failed]);
    failed.catch(() => {});
    log(PEER, `server listening on ${HOST}:${tcpPort}`);
    return server;
  }

  /** Sends SIGTERM, which makes bunqueue shut down gracefully and close its database, and waits for the exit. */
  async stop(): Promise<void> {
    if (this.#exitStatus !== undefined) return;
    this.#child.kill("SIGTERM");
    const timer = setTimeout(() => this.kill(), SERVER_STOP_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(timer);
    if (this.#exitStatus !== "code 0") log(PEER, `server ended (${this.#exitStatus}) after SIGTERM`);
  }

  kill(): void {
    if (this.#exitStatus === undefined) this.#child.kill("SIGKILL");
  }
}

await runPeerScript<WorkerOptions>({ name: PEER, run, runWorker });
