/**
 * Benchmark of liteque 0.8.0 (installed in ./liteque with better-sqlite3 11.9.1) for the
 * scenarios in ../peer-contract.ts.
 *
 * liteque runs on Node only. Its dequeue passes an async function to drizzle's
 * transaction(), which better-sqlite3 11.10 and later reject ("Transaction function cannot
 * return a promise"), so ./liteque/package.json pins better-sqlite3 to 11.9.1.
 *
 * Each worker process runs one Runner with concurrency 1, so it handles one job at a time
 * like the other peers' workers. Runner requires `pollIntervalMs`, the sleep after an
 * empty dequeue. This script uses 1000 ms, the value in liteque's README.
 *
 * Usage: node --import tsx scripts/bench/peers/liteque.ts '<json BenchRequest>'
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
  runPeerScript,
  sendToParent,
  timeEnqueue,
  unsupportedRequest,
  waitForStop,
  WorkerProcess,
  writeStdout,
} from "./common.ts";

const PEER = "liteque";
const QUEUE_NAME = "bench";
const POLL_INTERVAL_MS = 1000;
/** Runner's per-job timeout, which no-op jobs never reach. */
const JOB_TIMEOUT_SECONDS = 60;

/** The parts of liteque's API that this script uses (liteque/dist/index.d.ts). */
interface LitequeModule {
  buildDBClient(path: string, options: { runMigrations: boolean; walEnabled: boolean }): unknown;
  SqliteQueue: LitequeQueueClass;
  Runner: new (
    queue: LitequeQueue,
    functions: {
      run(job: LitequeJob): Promise<unknown>;
      onError?(job: LitequeJob & { error: Error }): Promise<void>;
    },
    options: { concurrency: number; pollIntervalMs: number; timeoutSecs: number },
  ) => { run(): Promise<void>; stop(): void };
}

type LitequeQueueClass = new (
  name: string,
  database: unknown,
  options: { defaultJobArgs: { numRetries: number }; keepFailedJobs: boolean },
) => LitequeQueue;

interface LitequeQueue {
  enqueue(payload: JobPayload): Promise<unknown>;
  stats(): Promise<{ pending: number; pending_retry: number; running: number; failed: number }>;
  /** Deletes a completed job's row or updates a failed or retried one. The Runner calls it after each job. */
  finalize(id: number, allocationId: string, status: string, availableAt?: Date, refundRetry?: boolean): Promise<void>;
}

interface LitequeJob {
  /** The row id, as a string. */
  id: string;
  data: JobPayload;
}

interface JobPayload {
  index?: number;
}

interface WorkerOptions {
  databasePath: string;
  role: "drain" | "latency";
}

function loadLiteque(): Promise<LitequeModule> {
  return importPeerPackage<LitequeModule>("liteque", "liteque");
}

/**
 * Opens a liteque queue on a new connection. buildDBClient() with `walEnabled: true` (also
 * its default) sets journal_mode=WAL and synchronous=NORMAL. No failed job is retried or
 * deleted, so that a failure shows up in stats().
 */
function openQueue(liteque: LitequeModule, queueClass: LitequeQueueClass, databasePath: string, runMigrations: boolean): LitequeQueue {
  const database = liteque.buildDBClient(databasePath, { runMigrations, walEnabled: true });
  return new queueClass(QUEUE_NAME, database, { defaultJobArgs: { numRetries: 0 }, keepFailedJobs: true });
}

async function run(request: BenchRequest): Promise<BenchResult> {
  const unsupported = unsupportedRequest(request, {
    bun: "liteque 0.8.0 opens SQLite through better-sqlite3 (drizzle-orm/better-sqlite3), and Bun 1.4.5 refuses " +
      "to load it ('better-sqlite3' is not yet supported in Bun)",
    deno: "liteque 0.8.0 opens SQLite through better-sqlite3, and Deno 2.9.6 cannot load its native addon " +
      "(built on the V8/nan addon ABI, not Node-API)",
    thread: "liteque has no thread mode: a Runner runs jobs as async tasks on the event loop of its own process",
  });
  if (unsupported) return unsupported;

  const liteque = await loadLiteque();
  const databasePath = newDatabasePath(request.directory, PEER, request.scenario);
  const queue = openQueue(liteque, liteque.SqliteQueue, databasePath, true);
  switch (request.scenario) {
    case "enqueue":
      return await runEnqueue(queue, request.count, request.mode);
    case "drain":
      return await runDrain(queue, databasePath, request.count, request.workers);
    case "latency":
      return await runLatency(queue, databasePath, request.count);
  }
}

/** enqueue() resolves after its INSERT, which runs in autocommit mode, so the job is stored by then. */
async function runEnqueue(queue: LitequeQueue, count: number, mode: "spread" | "burst"): Promise<BenchResult> {
  const seconds = await timeEnqueue(count, mode, () => queue.enqueue({}));
  const { pending } = await queue.stats();
  if (pending !== count) throw new Error(`expected ${count} pending jobs after enqueueing, found ${pending}`);
  return { scenario: "enqueue", count, seconds };
}

async function unfinishedJobs(queue: LitequeQueue): Promise<number> {
  const stats = await queue.stats();
  return stats.pending + stats.pending_retry + stats.running;
}

/**
 * liteque deletes a job's row when it completes and stores no start time, so each worker
 * process records the times: the start when the job function is called, the completion
 * when queue.finalize(), which deletes the row, has returned.
 *
 * NOTE: with several worker processes, two Runners can select the same job. The UPDATE
 * that claims it checks the job's allocationId, so only one of them gets it. The other's
 * attemptDequeue() returns null, and that Runner sleeps pollIntervalMs before trying again.
 */
async function runDrain(queue: LitequeQueue, databasePath: string, count: number, workers: number): Promise<BenchResult> {
  for (let index = 0; index < count; index++) await queue.enqueue({});
  const pending = await unfinishedJobs(queue);
  if (pending !== count) throw new Error(`expected ${count} pending jobs before the drain, found ${pending}`);

  const times = await drainWithWorkerProcesses({
    peer: PEER,
    scriptUrl: import.meta.url,
    workers,
    workerOptions: { databasePath, role: "drain" } satisfies WorkerOptions,
    unfinished: () => unfinishedJobs(queue),
  });

  const { failed } = await queue.stats();
  if (failed > 0) throw new Error(`${failed} jobs failed during the drain`);
  if (times.processed !== count) throw new Error(`workers completed ${times.processed} jobs, expected ${count}`);
  return { scenario: "drain", count, seconds: (times.lastEndMs - times.firstStartMs) / 1000 };
}

async function runLatency(queue: LitequeQueue, databasePath: string, count: number): Promise<BenchResult> {
  const worker = WorkerProcess.start(import.meta.url, { databasePath, role: "latency" } satisfies WorkerOptions, `${PEER} worker`);
  try {
    const samplesMs = await measureLatency({ peer: PEER, count, worker, enqueue: (index) => queue.enqueue({ index }) });
    await worker.stop();
    return { scenario: "latency", samplesMs };
  } finally {
    worker.kill();
  }
}

async function runWorker(options: WorkerOptions): Promise<void> {
  const liteque = await loadLiteque();
  const clock = new JobClock();
  const latency = options.role === "latency";
  /** Job index by row id, for the "finished" message in the latency scenario. */
  const indexById = new Map<string, number>();

  // Runner offers no callback after a job's completion is written (onComplete runs before
  // it), so this subclass records the time when finalize() returns.
  const TimedQueue = class extends liteque.SqliteQueue {
    override async finalize(...args: Parameters<LitequeQueue["finalize"]>): Promise<void> {
      await super.finalize(...args);
      clock.finished();
      const index = indexById.get(String(args[0]));
      if (index !== undefined) {
        indexById.delete(String(args[0]));
        sendToParent("finished", index);
      }
    }
  };
  const queue = openQueue(liteque, TimedQueue, options.databasePath, false);

  const runner = new liteque.Runner(
    queue,
    {
      run: async (job) => {
        const startedAt = clock.started();
        if (latency && job.data.index !== undefined) {
          indexById.set(job.id, job.data.index);
          sendToParent("started", job.data.index, startedAt);
        }
      },
      onError: async (job) => console.error(`[${PEER} worker ${process.pid}] job ${job.id} failed:`, job.error),
    },
    { concurrency: 1, pollIntervalMs: POLL_INTERVAL_MS, timeoutSecs: JOB_TIMEOUT_SECONDS },
  );
  const running = runner.run();
  sendToParent("ready");

  await waitForStop();
  runner.stop();
  await running;
  clock.report();
  // Runner leaves each job's timeout timer running, so the process exits through
  // runPeerScript's process.exit() rather than by itself.
  await writeStdout("");
}

await runPeerScript<WorkerOptions>({ name: PEER, run, runWorker });
