/**
 * The worker: claims due tasks, runs them and stores their outcomes, until its
 * supervisor sends a stop message or exits. Each adapter's bootstrap (a child
 * process or a thread) imports this module and calls `runWorker()`.
 */

import type { ParentChannel, SqliteHandle, WorkerInit } from "./adapter.ts";
import { getContext } from "./context.ts";
import { Logger, type LogLevel } from "./logger.ts";
import { createQueue } from "./queue.ts";
import { getRegistry } from "./registry.ts";
import { runTask } from "./run-task.ts";
import { loadAdapter } from "./runtime.ts";
import { leaseDurationMs, type Settings } from "./settings.ts";
import { type ClaimedTask, claimTasks, markTaskStarted } from "./store/claim-tasks.ts";
import { readNextDueTime } from "./store/next-due-time.ts";
import { openStore } from "./store/open-store.ts";
import { recoverInterruptedTasks, releaseWorkerTasks } from "./store/recover-tasks.ts";
import { settleTasks, type TaskOutcome } from "./store/settle-tasks.ts";
import { insertLogEvent } from "./store/log-events.ts";
import { readSettings } from "./store/settings-store.ts";
import { retryWhenBusy } from "./store/storage-errors.ts";

/** Exit codes a worker returns to its bootstrap. */
export const WORKER_EXIT = {
  /** Stopped on request, or its supervisor is gone. */
  stopped: 0,
  /** It could not start (database or task modules failed to load). */
  failedToStart: 1,
  /** A task timed out while still running; the supervisor replaces the worker at once. */
  replace: 75,
} as const;

/** After the supervisor disappears, how long a running task may still finish. */
const ORPHAN_GRACE_MS = 3_000;

// A worker claims one task at a time until tasks prove fast, then doubles its batch
// up to this size. Storing a batch's outcomes and claiming the next batch cost one
// commit together, so short tasks are not limited by commits per second.
//
// A task still running after SLOW_TASK_MS hands the unstarted rest of its batch back
// to the queue, and its batch shrinks back to one.
const MAX_CLAIM_BATCH = 64;
const FAST_TASK_MS = 5;
const SLOW_TASK_MS = 50;

/** Runs a worker until it stops; resolves with the exit code for its bootstrap. */
export async function runWorker(init: WorkerInit, channel: ParentChannel): Promise<number> {
  // Until the database is open, events can only go to stderr.
  const stderrLogger = new Logger(init.logLevels as LogLevel[], { workerId: init.workerId });
  let handle: SqliteHandle;
  try {
    const adapter = await loadAdapter();
    handle = await openStore(adapter, init.databasePath);
  } catch (error) {
    stderrLogger.error(`worker ${init.workerId} could not open the database: ${(error as Error).message}`);
    return WORKER_EXIT.failedToStart;
  }

  const forwarded = init.forwardLogs ? forwardLogsThrough(handle, init) : undefined;
  const logger = forwarded?.logger ?? stderrLogger;
  const queue = createQueue(handle.db);
  getContext().queue = queue;

  try {
    for (const module of init.taskModules) {
      await import(module);
    }
  } catch (error) {
    logger.error(`worker ${init.workerId} could not import its task modules: ${(error as Error)?.stack ?? error}`);
    await forwarded?.drain();
    await handle.close();
    return WORKER_EXIT.failedToStart;
  }

  const loop = new WorkerLoop(handle, init, logger);
  channel.onMessage((message) => message.type === "wake" ? loop.wake() : loop.stop());
  const orphaned = new Promise<"orphaned">((resolve) => {
    channel.onDisconnect(() => {
      loop.stop();
      setTimeout(() => resolve("orphaned"), ORPHAN_GRACE_MS);
    });
  });

  const ending = await Promise.race([loop.run(), orphaned]);
  if (ending === "orphaned") {
    // The supervisor is gone and a task is still running: hand it back now instead
    // of leaving it until its lease expires. The process ends right after this.
    await recoverInterruptedTasks(
      handle.db,
      { workerId: init.workerId },
      `the supervising process of worker ${init.workerId} exited while the task ran`,
      Date.now(),
      loop.resultTtlMs,
    ).catch(() => undefined);
  }

  await queue.drain();
  await forwarded?.drain();
  getContext().queue = undefined;
  await handle.close();
  return ending === "replace" ? WORKER_EXIT.replace : WORKER_EXIT.stopped;
}

/**
 * Returns a logger that stores events in the database, where the supervisor picks
 * them up for the app's logger function; a function cannot be passed to a worker.
 */
function forwardLogsThrough(handle: SqliteHandle, init: WorkerInit): { logger: Logger; drain(): Promise<void> } {
  let writing = Promise.resolve();
  const logger = new Logger((event) => {
    writing = writing
      .then(() => insertLogEvent(handle.db, init.host, event))
      .catch((error) => console.error(`autocron: worker ${init.workerId} could not store a log event: ${(error as Error).message}`));
  }, { workerId: init.workerId });
  return { logger, drain: () => writing };
}

class WorkerLoop {
  readonly #handle: SqliteHandle;
  readonly #init: WorkerInit;
  readonly #logger: Logger;
  #settings: Settings | undefined;
  #settingsReadAt = 0;
  #stopping = false;
  #wakeRequested = false;
  #batchSize = 1;
  #interruptSleep: (() => void) | undefined;

  constructor(handle: SqliteHandle, init: WorkerInit, logger: Logger) {
    this.#handle = handle;
    this.#init = init;
    this.#logger = logger;
  }

  get resultTtlMs(): number {
    return (this.#settings?.resultTtlSeconds ?? 1_800) * 1_000;
  }

  wake(): void {
    this.#wakeRequested = true;
    this.#interruptSleep?.();
  }

  stop(): void {
    this.#stopping = true;
    this.#interruptSleep?.();
  }

  /** Runs until stopped; returns "replace" when the worker must end after a timeout. */
  async run(): Promise<"stopped" | "replace"> {
    let tasks: ClaimedTask[] = [];
    while (!this.#stopping) {
      if (tasks.length === 0) {
        this.#wakeRequested = false;
        const claimOptions = await this.#claimOptions();
        tasks = await retryWhenBusy(() => claimTasks(this.#handle.db, claimOptions));
      }
      if (tasks.length === 0) {
        await this.#sleepUntilDue();
        continue;
      }

      const { outcomes, replace } = await this.#runBatch(tasks);
      // Storing a batch's outcomes and claiming the next batch share one transaction,
      // which halves the commits and the lock hand-overs between workers.
      const claimNext = this.#stopping || replace ? undefined : await this.#claimOptions();
      const settleOptions = { workerId: this.#init.workerId, resultTtlMs: this.resultTtlMs };
      const unstarted = outcomes.length < tasks.length;
      const nextBatch = await retryWhenBusy(() =>
        settleTasks(this.#handle.db, outcomes, settleOptions, async (connection) => {
          if (unstarted) await releaseWorkerTasks(connection, this.#init.workerId);
          return claimNext ? await claimTasks(connection, claimNext) : [];
        })
      );
      tasks = nextBatch ?? [];
      if (replace) return "replace";
    }

    // A stop request can arrive while the next batch is being claimed. That batch goes
    // back at once, so another worker need not wait for its lease to expire.
    if (tasks.length > 0) {
      await retryWhenBusy(() => releaseWorkerTasks(this.#handle.db, this.#init.workerId));
    }
    return "stopped";
  }

  async #claimOptions() {
    const settings = await this.#readSettings();
    return { workerId: this.#init.workerId, limit: this.#batchSize, now: Date.now(), leaseMs: leaseDurationMs(settings) };
  }

  /**
   * Runs a claimed batch. After a stop request, an abandoned attempt or a slow task
   * the rest stays unstarted.
   */
  async #runBatch(tasks: ClaimedTask[]): Promise<{ outcomes: TaskOutcome[]; replace: boolean }> {
    const outcomes: TaskOutcome[] = [];
    let replace = false;
    let slowestMs = 0;

    // One timer per batch, not one per task, watches the running task. Once it has run
    // SLOW_TASK_MS, the unstarted rest of the batch goes back to the queue.
    let current = 0;
    let currentStartedAt = performance.now();
    let handingBack: Promise<void> | undefined;
    let slowTaskTimer: ReturnType<typeof setTimeout> | undefined;
    const checkRunningTask = () => {
      const runningMs = performance.now() - currentStartedAt;
      if (runningMs < SLOW_TASK_MS) {
        slowTaskTimer = setTimeout(checkRunningTask, SLOW_TASK_MS - runningMs);
      } else if (current < tasks.length - 1) {
        handingBack = this.#handBack(tasks[current]!, tasks.slice(current + 1));
      }
    };
    if (tasks.length > 1) slowTaskTimer = setTimeout(checkRunningTask, SLOW_TASK_MS);

    for (const [index, task] of tasks.entries()) {
      // After a stop request the rest of the batch goes back to the queue unstarted.
      if (this.#stopping || replace || handingBack) break;
      current = index;
      currentStartedAt = performance.now();

      // The supervisor times tasks from started_at, which the claim set for the
      // whole batch; a task that waited its turn records its own start first.
      if (index > 0 && task.timeout_ms !== null) {
        await retryWhenBusy(() => markTaskStarted(this.#handle.db, task.id, this.#init.workerId, Date.now()));
      }

      const result = await runTask(task, getRegistry(), this.#init.taskModules, this.#logger);
      outcomes.push(result.outcome);
      slowestMs = Math.max(slowestMs, result.outcome.finishedAt - (result.outcome.startedAt ?? result.outcome.finishedAt));
      replace = result.abandoned;
    }
    clearTimeout(slowTaskTimer);
    await handingBack;
    this.#adjustBatchSize(slowestMs);
    return { outcomes, replace };
  }

  async #handBack(slowTask: ClaimedTask, unstarted: ClaimedTask[]): Promise<void> {
    const ids = unstarted.map((task) => task.id);
    try {
      await retryWhenBusy(() => releaseWorkerTasks(this.#handle.db, this.#init.workerId, ids));
    } catch (error) {
      // Not fatal: settling the batch releases these tasks once the slow task ends.
      this.#logger.warn(
        `worker ${this.#init.workerId} failed to hand back ${ids.length} unstarted tasks behind slow task ` +
          `${slowTask.id} (${slowTask.name}), so they run after it: ${(error as Error)?.message ?? error}`,
        { taskId: slowTask.id, task: slowTask.name, workerId: this.#init.workerId },
      );
    }
  }

  #adjustBatchSize(slowestMs: number): void {
    if (slowestMs >= SLOW_TASK_MS) {
      this.#batchSize = 1;
    } else if (slowestMs < FAST_TASK_MS) {
      this.#batchSize = Math.min(this.#batchSize * 2, MAX_CLAIM_BATCH);
    }
  }

  async #sleepUntilDue(): Promise<void> {
    const nextDue = await readNextDueTime(this.#handle.db);
    if (this.#wakeRequested || this.#stopping) {
      return;
    }

    const idleMs = this.#settings?.workerIdleMs ?? this.#init.workerIdleMs;
    const sleepMs = nextDue === undefined ? idleMs : Math.min(Math.max(nextDue - Date.now(), 0), idleMs);
    if (sleepMs <= 0) {
      return;
    }

    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#interruptSleep = resolve;
      timer = setTimeout(resolve, sleepMs);
    });
    clearTimeout(timer);
    this.#interruptSleep = undefined;
  }

  async #readSettings(): Promise<Settings> {
    // Settings change rarely (the admin command); once a second is fresh enough.
    if (!this.#settings || Date.now() - this.#settingsReadAt > 1_000) {
      this.#settings = await readSettings(this.#handle.db);
      this.#settingsReadAt = Date.now();
    }
    return this.#settings;
  }
}
