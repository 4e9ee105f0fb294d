/**
 * Benchmark of plainjob 0.0.14 (installed in ./plainjob) for the scenarios in
 * ../peer-contract.ts.
 *
 * Runs on Node through better-sqlite3 (the repository's own copy, the one autocron's
 * Node adapter uses) and on Bun through bun:sqlite with `strict: true`, as plainjob's
 * README requires. Each worker process runs one defineWorker() loop, which handles one job
 * at a time and, when the queue is empty, sleeps for `pollIntervall` (default 1000 ms,
 * kept here).
 *
 * Usage: <runtime> scripts/bench/peers/plainjob.ts '<json BenchRequest>'
 */

import process from "node:process";
import {
  type BenchRequest,
  type BenchResult,
  drainWithWorkerProcesses,
  importPeerPackage,
  JobClock,
  measureLatency,
  newDatabasePath,
  RUNTIME,
  runPeerScript,
  sendToParent,
  timeEnqueue,
  unsupportedRequest,
  waitForStop,
  WorkerProcess,
  writeStdout,
} from "./common.ts";

const PEER = "plainjob";
const JOB_TYPE = "bench";

// Typed as string so that type-checking does not look for better-sqlite3's declarations.
const BETTER_SQLITE3: string = "better-sqlite3";

/** The parts of plainjob's API that this script uses (plainjob/dist/plainjob.d.ts). */
interface PlainjobModule {
  better(database: unknown): PlainjobConnection;
  bun(database: unknown): PlainjobConnection;
  defineQueue(options: { connection: PlainjobConnection; logger?: PlainjobLogger }): PlainjobQueue;
  defineWorker(
    jobType: string,
    processor: (job: PlainjobJob) => Promise<void> | void,
    options: { queue: PlainjobQueue; logger?: PlainjobLogger; onCompleted?: (job: PlainjobJob) => void; onFailed?: (job: PlainjobJob, error: string) => void },
  ): { start(): Promise<void>; stop(): Promise<void> };
  JobStatus: { Pending: number; Processing: number; Done: number; Failed: number };
}

type PlainjobConnection = { driver: string };

interface PlainjobQueue {
  add(type: string, data: unknown): { id: number };
  addMany(type: string, data: unknown[]): { ids: number[] };
  countJobs(options?: { type?: string; status?: number }): number;
  close(): void;
}

interface PlainjobJob {
  id: number;
  type: string;
  /** The job's data as the JSON text that plainjob stored. */
  data: string;
}

interface PlainjobLogger {
  error(message: string, ...meta: unknown[]): void;
  warn(message: string, ...meta: unknown[]): void;
  info(message: string, ...meta: unknown[]): void;
  debug(message: string, ...meta: unknown[]): void;
}

interface WorkerOptions {
  databasePath: string;
  role: "drain" | "latency";
}

/**
 * Logger that writes warnings and errors to stderr and drops the rest. plainjob logs to
 * the console by default, including a debug line for every job, which would mix with the
 * worker messages on stdout.
 */
const QUIET_LOGGER: PlainjobLogger = {
  error: (message, ...meta) => console.error(`[${PEER}] ${message}`, ...meta),
  warn: (message, ...meta) => console.error(`[${PEER}] ${message}`, ...meta),
  info: () => {},
  debug: () => {},
};

function loadPlainjob(): Promise<PlainjobModule> {
  return importPeerPackage<PlainjobModule>("plainjob", "plainjob");
}

/**
 * Opens a plainjob queue on a new connection. defineQueue() itself sets journal_mode=WAL,
 * synchronous=1 (NORMAL) and busy_timeout=5000 on the connection. The pragmas are set here
 * as well, so the settings do not depend on that default.
 */
async function openQueue(plainjob: PlainjobModule, databasePath: string): Promise<PlainjobQueue> {
  let connection: PlainjobConnection;
  if (RUNTIME === "bun") {
    const { Database } = await import("bun:sqlite");
    const database = new Database(databasePath, { create: true, strict: true });
    database.exec("PRAGMA journal_mode = WAL");
    database.exec("PRAGMA synchronous = NORMAL");
    connection = plainjob.bun(database);
  } else {
    const { default: Database } = (await import(BETTER_SQLITE3)) as {
      default: new (path: string) => { pragma(statement: string): unknown };
    };
    const database = new Database(databasePath);
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
    connection = plainjob.better(database);
  }
  return plainjob.defineQueue({ connection, logger: QUIET_LOGGER });
}

function jobIndex(job: PlainjobJob): number {
  return (JSON.parse(job.data) as { index: number }).index;
}

async function run(request: BenchRequest): Promise<BenchResult> {
  const unsupported = unsupportedRequest(request, {
    deno: "plainjob 0.0.14 opens SQLite only through better-sqlite3 or bun:sqlite; Deno 2.9.6 cannot load " +
      "better-sqlite3's native addon (built on the V8/nan addon ABI, not Node-API), and bun:sqlite exists only in Bun",
    thread: "plainjob has no thread mode: a defineWorker() loop runs jobs on the event loop of the process that starts it",
  });
  if (unsupported) return unsupported;

  const plainjob = await loadPlainjob();
  const databasePath = newDatabasePath(request.directory, PEER, request.scenario);
  const queue = await openQueue(plainjob, databasePath);
  try {
    switch (request.scenario) {
      case "enqueue":
        return await runEnqueue(queue, request.count, request.mode);
      case "drain":
        return await runDrain(plainjob, queue, databasePath, request.count, request.workers);
      case "latency":
        return await runLatency(queue, databasePath, request.count);
    }
  } finally {
    queue.close();
  }
}

/** queue.add() is one synchronous INSERT in autocommit mode, so the job is stored when it returns. */
async function runEnqueue(queue: PlainjobQueue, count: number, mode: "spread" | "burst"): Promise<BenchResult> {
  const seconds = await timeEnqueue(count, mode, () => queue.add(JOB_TYPE, {}));
  const stored = queue.countJobs({ type: JOB_TYPE });
  if (stored !== count) throw new Error(`expected ${count} stored jobs after enqueueing, found ${stored}`);
  return { scenario: "enqueue", count, seconds };
}

/**
 * plainjob stores no start or completion time for a job, so each worker process records
 * them: the start when the job handler is called, the completion in the onCompleted
 * callback, which plainjob calls after markJobAsDone() has written the "done" status.
 */
async function runDrain(
  plainjob: PlainjobModule,
  queue: PlainjobQueue,
  databasePath: string,
  count: number,
  workers: number,
): Promise<BenchResult> {
  queue.addMany(JOB_TYPE, Array.from({ length: count }, () => ({})));
  const { Pending, Processing, Failed } = plainjob.JobStatus;
  const pending = queue.countJobs({ status: Pending });
  if (pending !== count) throw new Error(`expected ${count} pending jobs before the drain, found ${pending}`);

  const times = await drainWithWorkerProcesses({
    peer: PEER,
    scriptUrl: import.meta.url,
    workers,
    workerOptions: { databasePath, role: "drain" } satisfies WorkerOptions,
    unfinished: () => queue.countJobs({ status: Pending }) + queue.countJobs({ status: Processing }),
  });

  const failed = queue.countJobs({ status: Failed });
  if (failed > 0) throw new Error(`${failed} jobs failed during the drain`);
  if (times.processed !== count) throw new Error(`workers completed ${times.processed} jobs, expected ${count}`);
  return { scenario: "drain", count, seconds: (times.lastEndMs - times.firstStartMs) / 1000 };
}

async function runLatency(queue: PlainjobQueue, databasePath: string, count: number): Promise<BenchResult> {
  const worker = WorkerProcess.start(import.meta.url, { databasePath, role: "latency" } satisfies WorkerOptions, `${PEER} worker`);
  try {
    const samplesMs = await measureLatency({ peer: PEER, count, worker, enqueue: (index) => queue.add(JOB_TYPE, { index }) });
    await worker.stop();
    return { scenario: "latency", samplesMs };
  } finally {
    worker.kill();
  }
}

async function runWorker(options: WorkerOptions): Promise<void> {
  const plainjob = await loadPlainjob();
  const queue = await openQueue(plainjob, options.databasePath);
  const clock = new JobClock();
  const latency = options.role === "latency";

  const worker = plainjob.defineWorker(
    JOB_TYPE,
    async (job) => {
      const startedAt = clock.started();
      if (latency) sendToParent("started", jobIndex(job), startedAt);
    },
    {
      queue,
      logger: QUIET_LOGGER,
      onCompleted: (job) => {
        clock.finished();
        if (latency) sendToParent("finished", jobIndex(job));
      },
      onFailed: (job, error) => console.error(`[${PEER} worker ${process.pid}] job ${job.id} failed: ${error}`),
    },
  );
  const running = worker.start();
  sendToParent("ready");

  await waitForStop();
  await worker.stop();
  await running;
  queue.close();
  clock.report();
  await writeStdout("");
}

await runPeerScript<WorkerOptions>({ name: PEER, run, runWorker });
