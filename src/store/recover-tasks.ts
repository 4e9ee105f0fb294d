import { type Kysely, sql } from "kysely";
import type { StoredError } from "../errors.ts";
import { type ClaimedTask } from "./claim-tasks.ts";
import type { Database } from "./schema.ts";
import { appendAttempt, finishDelayedTask, rescheduleCronTask } from "./settle-tasks.ts";
import { writeTransaction } from "./transaction.ts";

/**
 * How often a task may be cut short by the death of its worker before it ends in
 * error. This is apart from `retries`: a task that crashes its worker every time
 * (out of memory, `process.exit()`) must not be run forever, but a worker killed
 * by a deploy should not use up a task's retries either.
 */
export const MAX_INTERRUPTIONS = 2;

/** A selection of processing tasks: those of one worker, or those whose lease expired. */
export type InterruptedSelection =
  | { workerId: string }
  | { leaseExpiredBefore: number };

/**
 * Handles processing tasks whose worker is gone, and returns them. Each runs again
 * at once unless it was interrupted `MAX_INTERRUPTIONS` times already. After that a
 * delayed task ends in error with `reason`, and a cron task moves on to its next
 * planned run.
 */
export async function recoverInterruptedTasks(
  db: Kysely<Database>,
  selection: InterruptedSelection,
  reason: string,
  now: number,
  resultTtlMs: number,
): Promise<ClaimedTask[]> {
  return await writeTransaction(db, async (connection) => {
    let query = connection
      .selectFrom("autocron_tasks")
      .selectAll()
      .where("status", "=", "processing");
    query = "workerId" in selection
      ? query.where("worker_id", "=", selection.workerId)
      : query.where("lease_expires_at", "<", selection.leaseExpiredBefore);
    const tasks = await query.execute();

    for (const task of tasks) {
      await recoverOne(connection, task, reason, now, resultTtlMs);
    }
    return tasks;
  });
}

async function recoverOne(
  db: Kysely<Database>,
  task: ClaimedTask,
  reason: string,
  now: number,
  resultTtlMs: number,
): Promise<void> {
  const error: StoredError = { name: "WorkerInterruptedError", message: reason };
  const attemptLog = appendAttempt(task.attempt_log, { attempt: task.attempts, at: now, error });
  const owner = { id: task.id, workerId: null };

  if (task.interruptions < MAX_INTERRUPTIONS) {
    await db
      .updateTable("autocron_tasks")
      .set({
        status: "waiting",
        due_at: Math.min(task.due_at, now),
        attempts: sql`max(attempts - 1, 0)`,
        interruptions: sql`interruptions + 1`,
        worker_id: null,
        lease_expires_at: null,
        attempt_log: attemptLog,
        last_error: JSON.stringify(error),
      })
      .where("id", "=", task.id)
      .where("status", "=", "processing")
      .execute();
    return;
  }

  const finalError: StoredError = {
    name: "WorkerInterruptedError",
    message: `${reason}; the task was interrupted ${task.interruptions + 1} times, so it will not run again`,
  };
  if (task.kind === "cron") {
    await rescheduleCronTask(db, task, owner, now, finalError);
  } else {
    await finishDelayedTask(db, { ...task, attempt_log: attemptLog }, owner, now, resultTtlMs, { error: finalError });
  }
}

/**
 * Puts a worker's claimed tasks back in the queue: all of them for a worker that was
 * stopped on purpose (shutdown took longer than allowed), or the unstarted ones in
 * `ids` behind a task that turned out slow. The cut-short or unstarted attempt counts
 * neither as a failure nor as an interruption.
 */
export async function releaseWorkerTasks(db: Kysely<Database>, workerId: string, ids?: readonly string[]): Promise<number> {
  let query = db
    .updateTable("autocron_tasks")
    .set({
      status: "waiting",
      attempts: sql`max(attempts - 1, 0)`,
      worker_id: null,
      lease_expires_at: null,
    })
    .where("status", "=", "processing")
    .where("worker_id", "=", workerId);
  if (ids) query = query.where("id", "in", ids);

  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Extends the leases of all tasks held by live workers. */
export async function renewTaskLeases(
  db: Kysely<Database>,
  workerIds: readonly string[],
  leaseExpiresAt: number,
): Promise<void> {
  if (workerIds.length === 0) {
    return;
  }
  await db
    .updateTable("autocron_tasks")
    .set({ lease_expires_at: leaseExpiresAt })
    .where("status", "=", "processing")
    .where("worker_id", "in", workerIds)
    .execute();
}
