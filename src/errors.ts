/** Errors as they are stored and handed back to callers of `TaskResult.wait()`. */

/** A task's error as stored in the database. */
export interface StoredError {
  name: string;
  message: string;
  stack?: string;
}

/** One failed attempt in a task's history. */
export interface AttemptRecord {
  attempt: number;
  /** When the attempt ended, UTC milliseconds. */
  at: number;
  error: StoredError;
}

/**
 * Converts anything a task threw into a `StoredError`. A thrown value that is not an
 * `Error` (a string, say) keeps its text as the message.
 */
export function serializeError(error: unknown): StoredError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack };
  }
  let message: string;
  try {
    message = typeof error === "string" ? error : JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { name: "Error", message: `non-error value thrown: ${message}` };
}

/**
 * The error `TaskResult.wait()` throws for a task that ended in error. `name`,
 * `message` and `stack` are the task's own, as thrown in the worker.
 */
export class TaskError extends Error {
  readonly taskId: string;
  readonly taskName: string;
  readonly attempts: number;

  constructor(taskId: string, taskName: string, attempts: number, stored: StoredError) {
    super(stored.message);
    this.name = stored.name;
    this.taskId = taskId;
    this.taskName = taskName;
    this.attempts = attempts;
    if (stored.stack !== undefined) {
      this.stack = stored.stack;
    }
  }
}

/** Thrown by `TaskResult.wait()` when the task did not finish in time. */
export class TaskTimeoutError extends Error {
  override name = "TaskTimeoutError";
}

/** Raised for an error returned by the adapter or database while autocron works. */
export function wrapError(message: string, cause: unknown): Error {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new Error(`${message}: ${detail}`, { cause });
}
