import { decode } from "./codec.ts";
import { getContext, type QueueAccess } from "./context.ts";
import { describe } from "./describe.ts";
import { type StoredError, TaskError, TaskTimeoutError } from "./errors.ts";
import type { TaskStatus } from "./store/results.ts";

export type { TaskStatus };

export interface WaitOptions {
  /** Give up after this many ms with a `TaskTimeoutError`. Default: wait as long as it takes. */
  timeoutMs?: number;
}

/** The source of a handle's task state: the queue, or an inline run kept in memory. */
export interface ResultSource {
  status(id: string): Promise<TaskStatus>;
  /** The outcome once the task finished, undefined before. */
  outcome(id: string): Promise<TaskOutcomeView | undefined>;
}

export type TaskOutcomeView =
  | { status: "ready"; value: unknown }
  | { status: "error"; error: StoredError; attempts: number; taskName: string };

// Polling starts fast for short tasks and backs off for long ones.
const FIRST_POLL_MS = 2;
const MAX_POLL_MS = 100;

/**
 * A handle to one delayed call. Safe to create in one process and read in another:
 * `getResult(id)` rebuilds it from the id alone.
 */
export class TaskResult<T> {
  /** The task's id, a UUID that is safe to hand to a client. */
  readonly id: string;
  /** The task's name, or "unknown" for a handle from `getResult()` until it finished. */
  readonly name: string;
  /** Resolves once the task is durably stored; rejects when storing failed. */
  readonly enqueued: Promise<void>;
  readonly #ticket: { stored: boolean };
  readonly #source: () => ResultSource;

  /** @internal Created by delayed functions and `getResult()`. */
  constructor(id: string, name: string, ticket: { promise: Promise<void>; stored: boolean }, source: () => ResultSource) {
    this.id = id;
    this.name = name;
    this.enqueued = ticket.promise;
    this.#ticket = ticket;
    this.#source = source;
  }

  /** Returns "waiting", "processing", "ready", "error" or "unavailable" (unknown id or expired result). */
  async status(): Promise<TaskStatus> {
    if (!this.#ticket.stored) {
      // Not stored yet (held until start(), or in a batch being written). A failed
      // store rejects here with the storage error.
      await Promise.race([this.enqueued, Promise.resolve()]);
      if (!this.#ticket.stored) return "waiting";
    }
    return await this.#source().status(this.id);
  }

  /** Returns true once the task finished, successfully or not. */
  async isReady(): Promise<boolean> {
    const status = await this.status();
    return status === "ready" || status === "error";
  }

  /**
   * Waits for the task to finish and returns its return value, or throws its error
   * as a `TaskError` with the task's own name, message and stack.
   */
  async wait(options: WaitOptions = {}): Promise<T> {
    const timeoutMs = validateTimeout(options);
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;

    await raceDeadline(this.enqueued, deadline, () => this.#timeoutError(timeoutMs!, "waiting"));

    let pollMs = FIRST_POLL_MS;
    for (;;) {
      const source = this.#source();
      const outcome = await source.outcome(this.id);
      if (outcome?.status === "ready") {
        return outcome.value as T;
      }
      if (outcome?.status === "error") {
        throw new TaskError(this.id, outcome.taskName, outcome.attempts, outcome.error);
      }

      const status = await source.status(this.id);
      if (status === "unavailable") {
        throw new Error(
          `TaskResult.wait: task ${this.id} (${this.name}) is unavailable: no task has this id, or its result ` +
            `expired (see the resultTtlSeconds setting)`,
        );
      }
      if (Date.now() >= deadline) {
        throw this.#timeoutError(timeoutMs!, status);
      }
      await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  }

  #timeoutError(timeoutMs: number, status: TaskStatus): TaskTimeoutError {
    return new TaskTimeoutError(
      `TaskResult.wait: task ${this.id} (${this.name}) is still ${status} after ${timeoutMs} ms; ` +
        `wait longer, or check that workers are running`,
    );
  }
}

function validateTimeout(options: WaitOptions): number | undefined {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`TaskResult.wait: options must be an object such as { timeoutMs: 5000 }, got ${describe(options)}`);
  }
  const { timeoutMs } = options;
  if (timeoutMs !== undefined && (typeof timeoutMs !== "number" || !(timeoutMs >= 0))) {
    throw new RangeError(`TaskResult.wait: timeoutMs must be a number of ms >= 0, got ${describe(timeoutMs)}`);
  }
  return timeoutMs;
}

async function raceDeadline<T>(promise: Promise<T>, deadline: number, onTimeout: () => Error): Promise<T> {
  if (deadline === Infinity) {
    return await promise;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads results from the queue of this process; throws when autocron is not started. */
export function queueResultSource(): ResultSource {
  const queue = requireQueue();
  return {
    status: (id) => queue.readStatus(id),
    async outcome(id) {
      const row = await queue.readResult(id);
      if (!row) return undefined;
      if (row.status === "ready") {
        return { status: "ready", value: row.value === null ? undefined : decode(row.value) };
      }
      return {
        status: "error",
        error: JSON.parse(row.error ?? "{}") as StoredError,
        attempts: row.attempts,
        taskName: row.name,
      };
    },
  };
}

function requireQueue(): QueueAccess {
  const queue = getContext().queue;
  if (!queue) {
    throw new Error("autocron: the queue is not open in this process; call start() first");
  }
  return queue;
}

/**
 * Returns a handle for a task id, such as one a client sent back. Works in any
 * process that called `start()` on the same database.
 */
export function getResult<T = unknown>(id: string): TaskResult<T> {
  if (typeof id !== "string" || id === "") {
    throw new TypeError(`getResult: id must be a task id string, got ${describe(id)}`);
  }
  return new TaskResult<T>(id, "unknown", { promise: Promise.resolve(), stored: true }, queueResultSource);
}
