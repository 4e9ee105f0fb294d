import { decodeArguments, encode } from "./codec.ts";
import { type StoredError, serializeError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { TaskRegistry } from "./registry.ts";
import type { ClaimedTask } from "./store/claim-tasks.ts";
import type { TaskOutcome } from "./store/settle-tasks.ts";

export interface RunTaskResult {
  outcome: TaskOutcome;
  /**
   * True when the attempt timed out while its function still runs. The worker must
   * then end, because a JavaScript function cannot be cancelled from outside.
   */
  abandoned: boolean;
}

/**
 * Runs one claimed task and returns how it ended. Errors of the task, of decoding
 * and of encoding its result become a failed outcome instead of being thrown.
 */
export async function runTask(
  task: ClaimedTask,
  registry: TaskRegistry,
  taskModules: readonly string[],
  logger: Logger,
): Promise<RunTaskResult> {
  const startedAt = performance.now();
  const startedAtMs = Date.now();
  const failure = (error: StoredError, abandoned = false): RunTaskResult => {
    logFailure(logger, task, error, performance.now() - startedAt);
    return { outcome: { task, ok: false, error, startedAt: startedAtMs, finishedAt: Date.now() }, abandoned };
  };

  const definition = registry.get(task.name);
  if (!definition) {
    return failure({
      name: "UnknownTaskError",
      message: `no task named "${task.name}" is defined by the task modules of this worker ` +
        `(${taskModules.join(", ") || "none"}); defined tasks: ${registry.names().join(", ") || "none"}. ` +
        `Define it in one of those modules, or pass the module that defines it to start({ tasks })`,
    });
  }

  let args: unknown[];
  try {
    args = decodeArguments(task.args);
  } catch (error) {
    return failure({ name: "DecodeError", message: `cannot read the stored arguments: ${(error as Error).message}` });
  }

  let value: unknown;
  try {
    value = await callWithTimeout(() => definition.fn(...args), task.timeout_ms);
  } catch (error) {
    return failure(serializeError(error), error instanceof AttemptTimeoutError);
  }

  let encoded: string;
  try {
    encoded = encode(value, `the result of task "${task.name}"`);
  } catch (error) {
    return failure(serializeError(error));
  }
  return { outcome: { task, ok: true, value: encoded, startedAt: startedAtMs, finishedAt: Date.now() }, abandoned: false };
}

class AttemptTimeoutError extends Error {
  override name = "TimeoutError";
}

async function callWithTimeout(call: () => unknown, timeoutMs: number | null): Promise<unknown> {
  if (timeoutMs === null) {
    return await call();
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AttemptTimeoutError(`the attempt timed out after ${timeoutMs} ms (timeoutMs)`)),
      timeoutMs,
    );
  });
  try {
    // A synchronous function that never returns blocks this race as well; the
    // supervisor ends such a worker from outside on its next tick.
    return await Promise.race([Promise.resolve().then(call), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function logFailure(logger: Logger, task: ClaimedTask, error: StoredError, durationMs: number): void {
  const final = task.kind === "cron" || task.attempts >= task.max_attempts;
  const attempt = task.kind === "cron" ? "" : `, attempt ${task.attempts} of ${task.max_attempts}`;
  let next = "";
  if (task.kind === "cron") {
    next = "; it runs again at its next planned time";
  } else if (!final) {
    next = "; it will be retried";
  }
  const message = `task ${task.id} (${task.name}) failed after ${durationMs.toFixed(2)}ms${attempt}: ` +
    `${error.name}: ${error.message}${next}`;
  const fields = {
    taskId: task.id,
    task: task.name,
    attempt: task.attempts,
    maxAttempts: task.max_attempts,
    durationMs,
    error,
  };
  if (final) {
    logger.error(message, fields);
  } else {
    logger.warn(message, fields);
  }
}
