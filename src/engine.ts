/**
 * `start()` and `stop()`: open the queue, store held calls, sync cron tasks and run
 * the supervisor. One engine per process.
 */

import type { Isolation, RuntimeAdapter, SqliteHandle } from "./adapter.ts";
import { getContext } from "./context.ts";
import { resolveDatabaseLocation } from "./database-path.ts";
import { describe } from "./describe.ts";
import { Logger, type LoggerOption, validateLoggerOption } from "./logger.ts";
import { createQueue, type OpenQueue } from "./queue.ts";
import { getRegistry } from "./registry.ts";
import { loadAdapter } from "./runtime.ts";
import { validateSetting } from "./settings.ts";
import { openStore } from "./store/open-store.ts";
import { readSettings, writeSettings } from "./store/settings-store.ts";
import { retryWhenBusy } from "./store/storage-errors.ts";
import { syncCronTasks } from "./store/sync-cron-tasks.ts";
import { installShutdownHandlers, type ShutdownHandlers } from "./shutdown-signals.ts";
import { Supervisor } from "./supervisor.ts";

export interface StartOptions {
  /**
   * The modules that define the tasks, as URLs or absolute paths, typically
   * `new URL("./tasks.ts", import.meta.url)`. Each worker imports them.
   */
  tasks?: ReadonlyArray<URL | string>;
  /** Sets the `maxWorkers` setting (stored in the database) before starting. */
  workers?: number;
  /** "process" (default): each worker is a child process; "thread": a Worker thread. */
  isolation?: Isolation;
  /** Log levels printed to stderr (default warn and error), or a function that receives events. */
  logger?: LoggerOption;
  /** How long `stop()` lets running tasks finish before it kills their workers, in ms. Default 10000. */
  shutdownTimeoutMs?: number;
  /**
   * Stop gracefully on SIGINT and SIGTERM, then hand the signal back (default true).
   * Set false when the app calls `stop()` from its own signal handling.
   */
  handleSignals?: boolean;
}

export interface StopOptions {
  /** Overrides the `shutdownTimeoutMs` given to `start()`. */
  timeoutMs?: number;
}

interface Engine {
  database: string;
  handle: SqliteHandle;
  queue: OpenQueue;
  supervisor: Supervisor;
  shutdownTimeoutMs: number;
  signals: ShutdownHandlers | undefined;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

let starting: { database: string; promise: Promise<boolean> } | undefined;
let engine: Engine | undefined;
let stopping: Promise<void> | undefined;

/**
 * Opens the queue in `database` and, unless another process of the app on this
 * host already does, starts and supervises the workers. Resolves true when this
 * process now supervises the workers, false when another process does or autocron
 * is disabled. Calling it again with the same database returns the same result.
 */
export function start(database: string | URL, options: StartOptions = {}): Promise<boolean> {
  const key = database instanceof URL ? database.href : String(database);
  if (starting) {
    if (starting.database !== key) {
      return Promise.reject(
        new Error(`start: autocron already started with database ${starting.database}; call stop() before starting with ${key}`),
      );
    }
    return starting.promise;
  }

  const promise = (stopping ?? Promise.resolve()).then(() => startEngine(database, key, options));
  starting = { database: key, promise };
  promise.catch((error: unknown) => {
    if (starting?.promise === promise) starting = undefined;
    rejectHeldCalls(error);
  });
  return promise;
}

/** Fails the calls held for a start() that failed, so that none waits forever. */
function rejectHeldCalls(error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  for (const { ticket } of getContext().held.splice(0)) {
    const { id, name } = ticket.task;
    ticket.reject(new Error(`autocron: task ${id} (${name}) was not stored: start() failed: ${reason}`, { cause: error }));
  }
}

async function startEngine(database: string | URL, key: string, options: StartOptions): Promise<boolean> {
  const validated = validateStartOptions(options);
  const adapter = await loadAdapter();
  const location = resolveDatabaseLocation(database, adapter.system);
  if (location.kind === "postgres") {
    // TODO: add the PostgreSQL dialect in adapters/postgres and its LISTEN/NOTIFY wake-up.
    throw new Error(`start: PostgreSQL is not supported yet (${location.url}); use an SQLite file such as "project.db"`);
  }

  const taskModules = validated.tasks.map((module) => toModuleUrl(module, adapter));
  const context = getContext();
  context.logger = new Logger(validated.logger);

  const handle = await openStore(adapter, location.path);
  let supervisor: Supervisor | undefined;
  try {
    if (validated.workers !== undefined) {
      await retryWhenBusy(() => writeSettings(handle.db, { maxWorkers: validated.workers }));
    }
    for (const module of taskModules) {
      await import(module);
    }
    checkTaskModulesGiven(taskModules);

    const settings = await readSettings(handle.db);
    await retryWhenBusy(() => syncCronTasks(handle.db, getRegistry().cronTasks(), Date.now()));

    supervisor = new Supervisor({
      adapter,
      handle,
      databasePath: location.path,
      taskModules,
      isolation: validated.isolation,
      logger: context.logger,
      settings,
      // The admin command can disable or enable autocron while the app runs.
      onSettings: (current) => {
        context.disabled = current.disabled;
      },
    });
    const started = supervisor;
    const queue = createQueue(handle.db, () => {
      if (started.isHolder) started.wake();
    });
    context.queue = queue;
    context.disabled = settings.disabled;
    const signals = validated.handleSignals
      ? installShutdownHandlers(adapter.signals, context.logger, {
        stopGracefully: () => stop(),
        stopNow: () => started.stopNow(),
        shutdownTimeoutMs: validated.shutdownTimeoutMs,
      })
      : undefined;
    engine = { database: key, handle, queue, supervisor, shutdownTimeoutMs: validated.shutdownTimeoutMs, signals };

    for (const held of context.held.splice(0)) {
      if (settings.disabled) {
        held.runInline();
      } else {
        queue.enqueue(held.ticket);
      }
    }
    return await supervisor.begin();
  } catch (error) {
    // Undo everything start() set up, so that no timer or listener outlives the closed database.
    engine?.signals?.remove();
    await supervisor?.stop(0).catch(() => undefined);
    context.queue = undefined;
    context.disabled = false;
    engine = undefined;
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Stops autocron in this process: no new tasks are claimed, running tasks finish
 * (their workers are killed after the shutdown timeout, and those tasks run again
 * later), the lease is released, and the database is closed. Delayed calls made
 * after `stop()` are held until the next `start()`.
 */
export function stop(options: StopOptions = {}): Promise<void> {
  if (typeof options !== "object" || options === null) {
    return Promise.reject(new TypeError(`stop: options must be an object such as { timeoutMs: 5000 }, got ${describe(options)}`));
  }
  if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === "number" && options.timeoutMs >= 0)) {
    return Promise.reject(new RangeError(`stop: timeoutMs must be a number of ms >= 0, got ${describe(options.timeoutMs)}`));
  }
  if (!starting) {
    return stopping ?? Promise.resolve();
  }

  const current = starting;
  starting = undefined;
  stopping = stopEngine(current.promise, options.timeoutMs).finally(() => {
    stopping = undefined;
  });
  return stopping;
}

async function stopEngine(started: Promise<boolean>, timeoutMs: number | undefined): Promise<void> {
  await started.catch(() => undefined);
  const current = engine;
  if (!current) return;

  await current.supervisor.stop(timeoutMs ?? current.shutdownTimeoutMs);
  current.signals?.remove();
  await current.queue.drain();

  const context = getContext();
  context.queue = undefined;
  context.disabled = false;
  engine = undefined;
  await current.handle.close();
}

interface ValidatedStartOptions {
  tasks: ReadonlyArray<URL | string>;
  workers: number | undefined;
  isolation: Isolation;
  logger: LoggerOption;
  shutdownTimeoutMs: number;
  handleSignals: boolean;
}

function validateStartOptions(options: StartOptions): ValidatedStartOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`start: options must be an object such as { tasks: [...] }, got ${describe(options)}`);
  }
  const known = ["tasks", "workers", "isolation", "logger", "shutdownTimeoutMs", "handleSignals"];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`start: unknown option "${key}"; valid options are ${known.join(", ")}`);
    }
  }

  const tasks = options.tasks ?? [];
  if (!Array.isArray(tasks) || !tasks.every((module) => module instanceof URL || typeof module === "string")) {
    throw new TypeError(
      `start: tasks must be an array of module URLs such as [new URL("./tasks.ts", import.meta.url)], got ${describe(tasks)}`,
    );
  }
  const isolation = options.isolation ?? "process";
  if (isolation !== "process" && isolation !== "thread") {
    throw new TypeError(`start: isolation must be "process" or "thread", got ${describe(isolation)}`);
  }
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  if (typeof shutdownTimeoutMs !== "number" || !(shutdownTimeoutMs >= 0)) {
    throw new RangeError(`start: shutdownTimeoutMs must be a number of ms >= 0, got ${describe(shutdownTimeoutMs)}`);
  }

  const handleSignals = options.handleSignals ?? true;
  if (typeof handleSignals !== "boolean") {
    throw new TypeError(`start: handleSignals must be true or false, got ${describe(handleSignals)}`);
  }

  return {
    handleSignals,
    tasks,
    workers: options.workers === undefined ? undefined : validateSetting("maxWorkers", options.workers),
    isolation,
    logger: options.logger === undefined ? ["warn", "error"] : validateLoggerOption(options.logger),
    shutdownTimeoutMs,
  };
}

function toModuleUrl(module: URL | string, adapter: RuntimeAdapter): string {
  if (module instanceof URL) return module.href;
  if (/^(file|https?|data|npm|jsr):/.test(module)) return module;
  if (adapter.system.isAbsolutePath(module)) return adapter.system.pathToFileUrl(module);
  throw new TypeError(
    `start: task module "${module}" is a relative path, which workers would resolve from another place; ` +
      `pass new URL("${module}", import.meta.url) or an absolute path`,
  );
}

function checkTaskModulesGiven(taskModules: readonly string[]): void {
  const registry = getRegistry();
  if (registry.size > 0 && taskModules.length === 0) {
    throw new TypeError(
      `start: tasks are defined (${registry.names().join(", ")}), but no task modules were given, so workers ` +
        `could not load them; pass start(database, { tasks: [new URL("./tasks.ts", import.meta.url)] })`,
    );
  }
}
