import type { Kysely } from "kysely";
import { type Backoff, DEFAULT_BACKOFF, retryDelayMs } from "../backoff.ts";
import type { AttemptRecord, StoredError } from "../errors.ts";
import { nextRunAfter } from "../schedule.ts";
import type { ClaimedTask } from "./claim-tasks.ts";
import { rawQuery } from "./raw-query.ts";
import type { Database } from "./schema.ts";
import { writeTransaction } from "./transaction.ts";

/** The outcome of one claimed task in its worker. */
export type TaskOutcome =
  | { task: ClaimedTask; ok: true; value: string; startedAt?: number; finishedAt: number }
  | { task: ClaimedTask; ok: false; error: StoredError; startedAt?: number; finishedAt: number };

export interface SettleOptions {
  workerId: string;
  resultTtlMs: number;
}

/**
 * Stores the outcomes of a worker's tasks in one write transaction: results for
 * finished delayed tasks, a later due time for retries, and the next planned run for
 * cron tasks. A task whose lease this worker lost (it was recovered and claimed
 * again elsewhere) is left alone, so its new owner settles it. `andThen` runs in the
 * same transaction, such as the claim of the worker's next batch.
 */
export async function settleTasks<T = void>(
  db: Kysely<Database>,
  outcomes: readonly TaskOutcome[],
  options: SettleOptions,
  andThen?: (connection: Kysely<Database>) => Promise<T>,
): Promise<T | undefined> {
  if (outcomes.length === 0 && !andThen) {
    return undefined;
  }
  // The batch's payload is built before the transaction begins, so the write lock is
  // held for the statements alone.
  const successes = outcomes.filter((outcome) => outcome.ok && outcome.task.kind === "delay");
  const others = outcomes.filter((outcome) => !(outcome.ok && outcome.task.kind === "delay"));
  const finished = successes.length > 0
    ? finishedPayload(successes as Array<TaskOutcome & { ok: true }>, options)
    : undefined;
  return await writeTransaction(db, async (connection) => {
    if (finished) {
      await connection.executeQuery(rawQuery(INSERT_RESULTS, [finished.results, options.workerId]));
      await connection.executeQuery(rawQuery(DELETE_OWNED, [options.workerId, finished.ids]));
    }
    for (const outcome of others) {
      await settleOne(connection, withStartTime(outcome), options);
    }
    return await andThen?.(connection);
  });
}

// The common case, successful delayed tasks, takes two statements per batch whatever
// its size, because the batch travels as one JSON array unpacked with json_each.
//
// The name, attempts and attempt log come from the task's row. The join with the row
// skips a task this worker no longer owns, since it was recovered and its new owner
// stores the result. CROSS JOIN keeps json_each as the outer loop, so SQLite finds
// each task by its primary key instead of scanning the table.
const INSERT_RESULTS = `
  INSERT OR IGNORE INTO autocron_results
    (id, name, status, value, attempts, attempt_log, started_at, finished_at, expires_at)
  SELECT task.id, task.name, 'ready', json_extract(outcome.value, '$[1]'), task.attempts, task.attempt_log,
    coalesce(json_extract(outcome.value, '$[2]'), task.started_at), json_extract(outcome.value, '$[3]'),
    json_extract(outcome.value, '$[4]')
  FROM json_each(?) AS outcome
  CROSS JOIN autocron_tasks AS task ON task.id = json_extract(outcome.value, '$[0]')
  WHERE task.worker_id = ? AND task.status = 'processing'`;

const DELETE_OWNED = `
  DELETE FROM autocron_tasks
  WHERE worker_id = ? AND status = 'processing' AND id IN (SELECT value FROM json_each(?))`;

/** Builds the JSON parameters of INSERT_RESULTS and DELETE_OWNED for a batch of successes. */
function finishedPayload(
  successes: ReadonlyArray<TaskOutcome & { ok: true }>,
  options: SettleOptions,
): { results: string; ids: string } {
  // One array per task: id, value, start time (null keeps the claim's), finish time
  // and expiry.
  const results = successes.map((outcome) => [
    outcome.task.id,
    outcome.value,
    outcome.startedAt ?? null,
    outcome.finishedAt,
    outcome.finishedAt + options.resultTtlMs,
  ]);
  return {
    results: JSON.stringify(results),
    ids: JSON.stringify(successes.map((outcome) => outcome.task.id)),
  };
}

/** Returns the outcome with its task's start time set to when it really started. */
function withStartTime(outcome: TaskOutcome): TaskOutcome {
  if (outcome.startedAt === undefined) return outcome;
  return { ...outcome, task: { ...outcome.task, started_at: outcome.startedAt } };
}

async function settleOne(db: Kysely<Database>, outcome: TaskOutcome, options: SettleOptions): Promise<void> {
  const { task, finishedAt } = outcome;
  const owner = { id: task.id, workerId: options.workerId };

  if (task.kind === "cron") {
    await rescheduleCronTask(db, task, owner, finishedAt, outcome.ok ? null : outcome.error);
    return;
  }
  if (outcome.ok) {
    await finishDelayedTask(db, task, owner, finishedAt, options.resultTtlMs, { value: outcome.value });
    return;
  }

  const attemptLog = appendAttempt(task.attempt_log, { attempt: task.attempts, at: finishedAt, error: outcome.error });
  if (task.attempts < task.max_attempts) {
    const backoff = parseBackoff(task.backoff);
    await db
      .updateTable("autocron_tasks")
      .set({
        status: "waiting",
        due_at: finishedAt + retryDelayMs(backoff, task.attempts),
        worker_id: null,
        lease_expires_at: null,
        attempt_log: attemptLog,
        last_error: JSON.stringify(outcome.error),
      })
      .where("id", "=", owner.id)
      .where("worker_id", "=", owner.workerId)
      .execute();
    return;
  }
  await finishDelayedTask(db, { ...task, attempt_log: attemptLog }, owner, finishedAt, options.resultTtlMs, {
    error: outcome.error,
  });
}

/** Identifies a claimed task together with the worker that must still hold it. */
export interface TaskOwner {
  id: string;
  /** The claiming worker, or null to act on the task whichever worker claimed it. */
  workerId: string | null;
}

/**
 * Moves a delayed task from the queue to the results table. Returns false, and
 * stores nothing, when the task is no longer held by `owner.workerId`.
 */
export async function finishDelayedTask(
  db: Kysely<Database>,
  task: ClaimedTask,
  owner: TaskOwner,
  finishedAt: number,
  resultTtlMs: number,
  outcome: { value: string } | { error: StoredError },
): Promise<boolean> {
  let deletion = db.deleteFrom("autocron_tasks").where("id", "=", owner.id).where("status", "=", "processing");
  if (owner.workerId !== null) {
    deletion = deletion.where("worker_id", "=", owner.workerId);
  }
  const deleted = await deletion.executeTakeFirst();
  if (deleted.numDeletedRows !== 1n) {
    return false;
  }

  await db
    .insertInto("autocron_results")
    .values({
      id: task.id,
      name: task.name,
      status: "value" in outcome ? "ready" : "error",
      value: "value" in outcome ? outcome.value : null,
      error: "error" in outcome ? JSON.stringify(outcome.error) : null,
      args: "error" in outcome ? task.args : null,
      options: "error" in outcome ? JSON.stringify(retryOptionsOf(task)) : null,
      attempts: task.attempts,
      attempt_log: task.attempt_log,
      started_at: task.started_at,
      finished_at: finishedAt,
      expires_at: finishedAt + resultTtlMs,
    })
    .onConflict((conflict) => conflict.column("id").doNothing())
    .execute();
  return true;
}

/**
 * Puts a cron task back in the queue for its next planned run. The run is computed
 * from the later of the planned time and now, so after downtime a schedule runs
 * once and then keeps to its slots, and a run that overran skips the slots it
 * covered instead of overlapping itself.
 */
export async function rescheduleCronTask(
  db: Kysely<Database>,
  task: ClaimedTask,
  owner: TaskOwner,
  finishedAt: number,
  error: StoredError | null,
): Promise<void> {
  const nextDue = nextRunAfter(task.schedule!, task.timezone!, Math.max(task.due_at, finishedAt));

  let update = db
    .updateTable("autocron_tasks")
    .set({
      status: "waiting",
      due_at: nextDue,
      worker_id: null,
      lease_expires_at: null,
      attempts: 0,
      interruptions: 0,
      last_run_at: task.started_at,
      last_error: error === null ? null : JSON.stringify(error),
    })
    .where("id", "=", owner.id)
    .where("status", "=", "processing");
  if (owner.workerId !== null) {
    update = update.where("worker_id", "=", owner.workerId);
  }
  await update.execute();
}

/** Returns the attempt log with one more failed attempt, as JSON text. */
export function appendAttempt(attemptLog: string, record: AttemptRecord): string {
  const log = JSON.parse(attemptLog) as AttemptRecord[];
  log.push(record);
  return JSON.stringify(log);
}

function parseBackoff(text: string | null): Backoff {
  return text === null ? { ...DEFAULT_BACKOFF } : { ...DEFAULT_BACKOFF, ...(JSON.parse(text) as Partial<Backoff>) };
}

/** The queue settings of a task that a retry from the admin command restores. */
export interface RetryOptions {
  priority: number;
  maxAttempts: number;
  backoff: string | null;
  timeoutMs: number | null;
}

function retryOptionsOf(task: ClaimedTask): RetryOptions {
  return { priority: task.priority, maxAttempts: task.max_attempts, backoff: task.backoff, timeoutMs: task.timeout_ms };
}
