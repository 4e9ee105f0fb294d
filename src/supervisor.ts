/**
 * The supervisor: of all processes of an app on one host, the one that holds the
 * host's lease starts the workers, replaces those that die, renews the leases of
 * their tasks and wakes them when work arrives. The others only enqueue, and check
 * on each tick whether the lease has expired so that one of them can take over.
 */

import type { Isolation, RuntimeAdapter, SqliteHandle, WorkerExit, WorkerHandle, WorkerInit } from "./adapter.ts";
import { createShortId } from "./ids.ts";
import type { Logger } from "./logger.ts";
import { siblingModuleUrl } from "./runtime.ts";
import { leaseDurationMs, type Settings } from "./settings.ts";
import { recoverInterruptedTasks, releaseWorkerTasks, renewTaskLeases } from "./store/recover-tasks.ts";
import { deleteExpiredResults } from "./store/results.ts";
import { AUTO_CHECKPOINT_PAGES } from "./store/open-store.ts";
import { settleTasks } from "./store/settle-tasks.ts";
import { readSettings } from "./store/settings-store.ts";
import {
  acquireSupervisorLease,
  readSupervisorLease,
  releaseSupervisorLease,
  renewSupervisorLease,
} from "./store/supervisor-lease.ts";
import { takeLogEvents } from "./store/log-events.ts";
import { retryWhenBusy } from "./store/storage-errors.ts";
import { readTimedOutTasks, readWorkerTasks } from "./store/timed-out-tasks.ts";
import { registerWorker, removeForeignWorkers, unregisterWorker } from "./store/worker-registry.ts";
import { WORKER_EXIT } from "./worker.ts";

export interface SupervisorOptions {
  adapter: RuntimeAdapter;
  handle: SqliteHandle;
  databasePath: string;
  taskModules: string[];
  isolation: Isolation;
  logger: Logger;
  settings: Settings;
  /** Receives the settings read on every tick. */
  onSettings?: (settings: Settings) => void;
}

interface PoolWorker {
  id: string;
  handle: WorkerHandle;
  startedAt: number;
  /** Set once the worker was asked to stop (pool shrink or shutdown). */
  stopRequested: boolean;
  /** Set when the supervisor killed it after its shutdown time ran out. */
  killedAtShutdown: boolean;
  /** Ids of tasks it was killed for because they ran past their timeout. */
  timedOutTaskIds: string[];
}

/** How often the lease holder checks `PRAGMA data_version` for enqueues by other processes. */
const WAKE_CHECK_MS = 5;

/** A worker that dies sooner than this after starting counts toward a crash loop. */
const CRASH_LOOP_WINDOW_MS = 5_000;
const MAX_RESTART_DELAY_MS = 30_000;

/** How long the checkpointer may take to finish its current checkpoint when asked to stop. */
const CHECKPOINTER_STOP_MS = 2_000;

export class Supervisor {
  readonly owner: string;
  readonly host: string;
  readonly #options: SupervisorOptions;
  readonly #workers = new Map<string, PoolWorker>();
  readonly #pendingExits = new Set<Promise<void>>();
  readonly #entry = siblingModuleUrl(import.meta.url, "./worker.ts");
  readonly #checkpointerEntry = siblingModuleUrl(import.meta.url, "./checkpointer.ts");
  #checkpointer: WorkerHandle | undefined;
  #settings: Settings;
  #holder = false;
  #stopping = false;
  #tickTimer: ReturnType<typeof setTimeout> | undefined;
  #wakeTimer: ReturnType<typeof setInterval> | undefined;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #restartBlockedUntil = 0;
  #consecutiveCrashes = 0;
  #lastDataVersion = -1;
  #ticking: Promise<void> | undefined;
  #beginning = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#settings = options.settings;
    this.host = options.adapter.system.hostname();
    this.owner = `${options.adapter.system.pid}-${createShortId()}`;
  }

  /** True while this process holds the lease and runs the workers. */
  get isHolder(): boolean {
    return this.#holder;
  }

  /** Tries to take the lease once and schedules the ticks that keep trying. Returns true when this process has the lease. */
  async begin(): Promise<boolean> {
    // A worker that cannot be started now (a missing permission, say) makes start() fail.
    this.#beginning = true;
    try {
      if (!this.#settings.disabled) {
        await retryWhenBusy(() => this.#tryAcquire(Date.now()));
      }
    } finally {
      this.#beginning = false;
    }
    this.#scheduleTick();
    return this.#holder;
  }

  /** Wakes idle workers, after this process enqueued or another one changed the file. */
  wake(): void {
    for (const worker of this.#workers.values()) {
      if (!worker.stopRequested) worker.handle.send({ type: "wake" });
    }
  }

  /**
   * Stops supervising: workers finish their running tasks within `timeoutMs`, are
   * killed after that (their tasks go back to the queue), and the lease is released
   * so that another process can take over at once.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#tickTimer);
    clearTimeout(this.#restartTimer);
    await this.#ticking;

    if (this.#holder) {
      await this.#stopAllWorkers(timeoutMs);
      await this.#forwardWorkerLogs().catch(() => undefined);
      this.#stopWakeChecks();
      await this.#stopCheckpointer();
      try {
        await releaseSupervisorLease(this.#options.handle.db, this.host, this.owner);
      } catch (error) {
        // The lease expires by itself, so a failed release (a full disk, say) only
        // delays a takeover, and stopping must not fail for it.
        this.#options.logger.warn(
          `could not release the supervisor lease of host ${this.host}: ${(error as Error)?.message ?? error}; ` +
            `another process can take over once it expires, within ${leaseDurationMs(this.#settings)} ms`,
        );
      }
      this.#holder = false;
    }
  }

  /** Kills every worker at once; their running tasks go back to the queue unchanged. */
  async stopNow(): Promise<void> {
    for (const worker of this.#workers.values()) {
      worker.stopRequested = true;
      worker.killedAtShutdown = true;
      worker.handle.terminate();
    }
    this.#checkpointer?.terminate();
    while (this.#pendingExits.size > 0) {
      await Promise.all([...this.#pendingExits]);
    }
  }

  #scheduleTick(): void {
    if (this.#stopping) return;
    this.#tickTimer = setTimeout(() => {
      this.#ticking = this.#tick().finally(() => {
        this.#ticking = undefined;
        this.#scheduleTick();
      });
    }, this.#settings.monitorIdleMs);
  }

  async #tick(): Promise<void> {
    try {
      const now = Date.now();
      this.#settings = await readSettings(this.#options.handle.db);
      this.#options.onSettings?.(this.#settings);

      if (this.#settings.disabled) {
        await this.#stepDown("autocron was disabled in the settings");
        return;
      }
      if (this.#holder) {
        await this.#renewLease(now);
      } else {
        await this.#tryAcquire(now);
      }
      if (this.#holder && !this.#stopping) {
        await this.#maintain(now);
      }
    } catch (error) {
      this.#options.logger.error(`supervisor tick failed: ${(error as Error)?.message ?? error}`);
    }
  }

  async #tryAcquire(now: number): Promise<void> {
    const db = this.#options.handle.db;
    const previous = await readSupervisorLease(db, this.host);
    const acquired = await acquireSupervisorLease(db, {
      host: this.host,
      owner: this.owner,
      pid: this.#options.adapter.system.pid,
      now,
      leaseMs: leaseDurationMs(this.#settings),
    });
    if (!acquired || this.#stopping) return;

    this.#holder = true;
    if (previous && previous.owner !== this.owner) {
      this.#options.logger.warn(
        `took over the supervisor lease of host ${this.host} from process ${previous.pid}, ` +
          `whose lease expired ${now - previous.expires_at} ms ago`,
      );
    } else {
      this.#options.logger.info(`supervising the workers of host ${this.host} (pid ${this.#options.adapter.system.pid})`);
    }

    await removeForeignWorkers(db, this.host, this.owner);
    this.#startWakeChecks();
    this.#startCheckpointer();
    this.#resizePool();
  }

  async #renewLease(now: number): Promise<void> {
    const renewed = await renewSupervisorLease(this.#options.handle.db, {
      host: this.host,
      owner: this.owner,
      pid: this.#options.adapter.system.pid,
      now,
      leaseMs: leaseDurationMs(this.#settings),
    });
    if (renewed) return;

    // Another process took the lease (this one missed its renewals, for example
    // because its event loop was blocked). Two pools must not run, so stop ours.
    this.#options.logger.warn(`lost the supervisor lease of host ${this.host}; stopping this process's workers`);
    this.#holder = false;
    this.#stopWakeChecks();
    await this.#stopAllWorkers(this.#settings.monitorIdleMs * 5);
    await this.#stopCheckpointer();
  }

  /** Stops the workers and gives up the lease while autocron is disabled. */
  async #stepDown(reason: string): Promise<void> {
    if (!this.#holder) return;
    this.#options.logger.info(`${reason}; stopping the workers of host ${this.host}`);
    this.#stopWakeChecks();
    await this.#stopAllWorkers(this.#settings.monitorIdleMs * 5);
    await this.#stopCheckpointer();
    await releaseSupervisorLease(this.#options.handle.db, this.host, this.owner);
    this.#holder = false;
  }

  /** The lease holder's periodic work. */
  async #maintain(now: number): Promise<void> {
    const db = this.#options.handle.db;
    const leaseMs = leaseDurationMs(this.#settings);
    const liveIds = [...this.#workers.keys()];

    await renewTaskLeases(db, liveIds, now + leaseMs);

    const recovered = await recoverInterruptedTasks(
      db,
      { leaseExpiredBefore: now },
      "the task's lease expired: its worker stopped without storing an outcome",
      now,
      this.#resultTtlMs(),
    );
    for (const task of recovered) {
      this.#options.logger.warn(`task ${task.id} (${task.name}) had an expired lease; it runs again`, {
        taskId: task.id,
        task: task.name,
      });
    }

    await this.#killTimedOutWorkers(now);
    await deleteExpiredResults(db, now);
    await this.#forwardWorkerLogs();
    this.#startCheckpointer();
    this.#resizePool();
  }

  /** Passes the log events stored by workers to the app's logger function. */
  async #forwardWorkerLogs(): Promise<void> {
    if (!this.#options.logger.sendsToFunction) return;
    for (const event of await takeLogEvents(this.#options.handle.db, this.host)) {
      this.#options.logger.forward(event);
    }
  }

  /** Ends workers whose task ran past its timeout without returning, such as a synchronous loop. */
  async #killTimedOutWorkers(now: number): Promise<void> {
    const timedOut = await readTimedOutTasks(this.#options.handle.db, [...this.#workers.keys()], now);
    for (const task of timedOut) {
      const worker = this.#workers.get(task.worker_id!);
      if (!worker || worker.timedOutTaskIds.includes(task.id)) continue;

      worker.timedOutTaskIds.push(task.id);
      this.#options.logger.warn(
        `task ${task.id} (${task.name}) ran past its timeout of ${task.timeout_ms} ms; ` +
          `ending worker ${worker.id} (pid ${worker.handle.pid}) and starting a new one`,
        { taskId: task.id, task: task.name, workerId: worker.id },
      );
      worker.handle.terminate();
    }
  }

  #resizePool(): void {
    if (!this.#holder || this.#stopping) return;

    const active = [...this.#workers.values()].filter((worker) => !worker.stopRequested);
    const target = this.#settings.disabled ? 0 : this.#settings.maxWorkers;

    if (active.length > target) {
      // Stop the newest workers first; the oldest are the most likely to be warm.
      for (const worker of active.slice(target).reverse()) {
        worker.stopRequested = true;
        worker.handle.send({ type: "stop" });
      }
      return;
    }

    const delay = this.#restartBlockedUntil - Date.now();
    if (delay > 0) {
      clearTimeout(this.#restartTimer);
      this.#restartTimer = setTimeout(() => this.#resizePool(), delay);
      return;
    }
    for (let count = active.length; count < target; count++) {
      try {
        this.#spawnWorker();
      } catch (error) {
        const message = (error as Error)?.message ?? String(error);
        if (this.#beginning) {
          throw new Error(`start: could not start a worker: ${message}`, { cause: error });
        }
        this.#options.logger.error(`could not start a worker: ${message}`);
        this.#noteCrash(0);
        clearTimeout(this.#restartTimer);
        this.#restartTimer = setTimeout(() => this.#resizePool(), Math.max(0, this.#restartBlockedUntil - Date.now()));
        return;
      }
    }
  }

  /**
   * Starts the checkpointer thread with the workers, or starts it again on a tick
   * after it ended. Where threads cannot load the sources (TypeScript on Node
   * without tsx), it runs as a process.
   */
  #startCheckpointer(): void {
    if (this.#checkpointer || !this.#holder || this.#stopping) return;

    const init = this.#workerInit("checkpointer");
    let handle: WorkerHandle;
    try {
      handle = this.#options.adapter.spawner("thread").spawn(this.#checkpointerEntry, init);
    } catch {
      try {
        handle = this.#options.adapter.spawner("process").spawn(this.#checkpointerEntry, init);
      } catch (error) {
        this.#options.logger.error(
          `could not start the checkpointer: ${(error as Error)?.message ?? error}. Until a later tick ` +
            `starts it, commits checkpoint the WAL themselves once it passes ${AUTO_CHECKPOINT_PAGES} pages`,
        );
        return;
      }
    }

    this.#checkpointer = handle;
    handle.exited.then((exit) => {
      if (this.#checkpointer !== handle) return;
      this.#checkpointer = undefined;
      this.#options.logger.error(`the checkpointer ${describeExit(exit)}; it starts again on the next tick`);
    });
  }

  async #stopCheckpointer(): Promise<void> {
    const handle = this.#checkpointer;
    if (!handle) return;
    this.#checkpointer = undefined;

    handle.send({ type: "stop" });
    if (await within(handle.exited, CHECKPOINTER_STOP_MS) === "timeout") {
      handle.terminate();
      await handle.exited;
    }
  }

  #workerInit(id: string): WorkerInit {
    return {
      workerId: id,
      supervisorId: this.owner,
      databasePath: this.#options.databasePath,
      taskModules: this.#options.taskModules,
      isolation: this.#options.isolation,
      workerIdleMs: this.#settings.workerIdleMs,
      logLevels: this.#options.logger.workerLevels,
      host: this.host,
      forwardLogs: this.#options.logger.sendsToFunction,
    };
  }

  #spawnWorker(): void {
    const id = createShortId();
    const init = this.#workerInit(id);
    const handle = this.#options.adapter.spawner(this.#options.isolation).spawn(this.#entry, init);
    const worker: PoolWorker = {
      id,
      handle,
      startedAt: Date.now(),
      stopRequested: false,
      killedAtShutdown: false,
      timedOutTaskIds: [],
    };
    this.#workers.set(id, worker);

    registerWorker(this.#options.handle.db, {
      id,
      host: this.host,
      supervisor: this.owner,
      pid: handle.pid,
      isolation: this.#options.isolation,
      started_at: worker.startedAt,
    }).catch((error) => this.#options.logger.error(`could not record worker ${id}: ${(error as Error).message}`));

    const exitHandled = handle.exited.then((exit) => this.#onWorkerExit(worker, exit));
    this.#pendingExits.add(exitHandled);
    exitHandled.finally(() => this.#pendingExits.delete(exitHandled));
  }

  async #onWorkerExit(worker: PoolWorker, exit: WorkerExit): Promise<void> {
    this.#workers.delete(worker.id);
    const db = this.#options.handle.db;
    const now = Date.now();

    try {
      await unregisterWorker(db, worker.id);
      await this.#failTimedOutTasks(worker, now);

      if (worker.killedAtShutdown) {
        await releaseWorkerTasks(db, worker.id);
      } else if (!worker.stopRequested || exit.code !== WORKER_EXIT.stopped) {
        await this.#handleUnexpectedExit(worker, exit, now);
      }
      await this.#forwardWorkerLogs();
    } catch (error) {
      this.#options.logger.error(`could not clean up after worker ${worker.id}: ${(error as Error).message}`);
    }

    this.#resizePool();
  }

  async #failTimedOutTasks(worker: PoolWorker, now: number): Promise<void> {
    const tasks = await readWorkerTasks(this.#options.handle.db, worker.id, worker.timedOutTaskIds);
    const outcomes = tasks.map((task) => ({
      task,
      ok: false as const,
      error: { name: "TimeoutError", message: `the attempt timed out after ${task.timeout_ms} ms (timeoutMs)` },
      finishedAt: now,
    }));
    await settleTasks(this.#options.handle.db, outcomes, { workerId: worker.id, resultTtlMs: this.#resultTtlMs() });
  }

  async #handleUnexpectedExit(worker: PoolWorker, exit: WorkerExit, now: number): Promise<void> {
    const how = describeExit(exit);
    const recovered = await recoverInterruptedTasks(
      this.#options.handle.db,
      { workerId: worker.id },
      `worker ${worker.id} (pid ${worker.handle.pid}) ${how} while running the task`,
      now,
      this.#resultTtlMs(),
    );

    const expected = exit.code === WORKER_EXIT.replace || worker.timedOutTaskIds.length > 0;
    if (!expected) {
      this.#noteCrash(now - worker.startedAt);
    }
    if (this.#stopping || !this.#holder) return;

    const tasks = recovered.length === 0 ? "" : `; its ${recovered.length} unfinished task(s) were handed back`;
    const log = expected ? this.#options.logger.info.bind(this.#options.logger) : this.#options.logger.error.bind(this.#options.logger);
    log(`worker ${worker.id} (pid ${worker.handle.pid}) ${how}${tasks}; starting a new worker`, {
      workerId: worker.id,
      pid: worker.handle.pid,
    });
  }

  /** Spaces out restarts of workers that keep dying right after they start. */
  #noteCrash(livedMs: number): void {
    if (livedMs >= CRASH_LOOP_WINDOW_MS) {
      this.#consecutiveCrashes = 0;
      return;
    }
    this.#consecutiveCrashes++;
    const delay = Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** (this.#consecutiveCrashes - 1));
    this.#restartBlockedUntil = Date.now() + delay;
    if (this.#consecutiveCrashes > 1) {
      this.#options.logger.error(
        `workers keep exiting right after they start (${this.#consecutiveCrashes} times in a row); ` +
          `the next one starts in ${delay} ms. Check the errors above, such as a task module that fails to import`,
      );
    }
  }

  async #stopAllWorkers(timeoutMs: number): Promise<void> {
    for (const worker of this.#workers.values()) {
      worker.stopRequested = true;
      worker.handle.send({ type: "stop" });
    }

    const allExited = Promise.all([...this.#workers.values()].map((worker) => worker.handle.exited));
    if (await within(allExited, timeoutMs) === "timeout") {
      for (const worker of this.#workers.values()) {
        this.#options.logger.warn(
          `worker ${worker.id} (pid ${worker.handle.pid}) did not finish within ${timeoutMs} ms; ` +
            `killing it, and its running tasks go back to the queue`,
        );
        worker.killedAtShutdown = true;
        worker.handle.terminate();
      }
    }
    while (this.#pendingExits.size > 0) {
      await Promise.all([...this.#pendingExits]);
    }
  }

  #startWakeChecks(): void {
    this.#lastDataVersion = this.#options.handle.dataVersion();
    this.#wakeTimer = setInterval(() => {
      const version = this.#options.handle.dataVersion();
      if (version !== this.#lastDataVersion) {
        this.#lastDataVersion = version;
        this.wake();
      }
    }, WAKE_CHECK_MS);
  }

  #stopWakeChecks(): void {
    clearInterval(this.#wakeTimer);
    this.#wakeTimer = undefined;
  }

  #resultTtlMs(): number {
    return this.#settings.resultTtlSeconds * 1_000;
  }
}

/** Waits for `promise` for up to `timeoutMs`; resolves "timeout" when it takes longer. */
async function within<T>(promise: Promise<T>, timeoutMs: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function describeExit(exit: WorkerExit): string {
  if (exit.error) return `failed (${exit.error})`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
