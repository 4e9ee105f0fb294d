/** Queue changes made by the admin command: retry, cancel and purge. */

import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";
import type { RetryOptions } from "./settle-tasks.ts";
import { writeTransaction } from "./transaction.ts";

/** Raised for a request the queue's state does not allow; the message gives the reason. */
export class AdminActionError extends Error {
  override name = "AdminActionError";
}

/** The shortest id suffix the admin command accepts, so that a match is unambiguous in practice. */
export const MIN_ID_SUFFIX = 8;

/**
 * Finds the full id for an id or the end of one (as the tables show it). Throws
 * `AdminActionError` when no task or result matches, or more than one does.
 */
export async function resolveTaskId(db: Kysely<Database>, idOrSuffix: string): Promise<string> {
  const text = idOrSuffix.replace(/^…/, "").toLowerCase();
  const exact = await findIds(db, sql`id = ${text}`);
  if (exact.length > 0) return exact[0]!;

  if (text.length < MIN_ID_SUFFIX || !/^[0-9a-f:-]+$/.test(text)) {
    throw new AdminActionError(`no task or result has the id "${idOrSuffix}"; pass a full id or its last ${MIN_ID_SUFFIX} or more characters`);
  }
  const matches = await findIds(db, sql`id LIKE ${"%" + text}`);
  if (matches.length === 0) {
    throw new AdminActionError(`no task or result id ends with "${idOrSuffix}"; list them with the tasks or results command`);
  }
  if (matches.length > 1) {
    throw new AdminActionError(`${matches.length} ids end with "${idOrSuffix}" (${matches.join(", ")}); pass more characters`);
  }
  return matches[0]!;
}

async function findIds(db: Kysely<Database>, condition: ReturnType<typeof sql>): Promise<string[]> {
  const tasks = await db.selectFrom("autocron_tasks").select("id").where(condition as never).execute();
  const results = await db.selectFrom("autocron_results").select("id").where(condition as never).execute();
  return [...new Set([...tasks, ...results].map((row) => row.id))];
}

/**
 * Runs a task again now: a waiting task (or a cron task's next run) becomes due at
 * once, and a task in error goes back to the queue under its own id with its
 * arguments and options. Returns what was done, for the command's output.
 */
export async function retryTask(db: Kysely<Database>, id: string, now: number): Promise<"due now" | "requeued"> {
  return await writeTransaction(db, async (connection) => {
    const queued = await connection.selectFrom("autocron_tasks").select(["status", "name"]).where("id", "=", id).executeTakeFirst();
    if (queued) {
      if (queued.status === "processing") {
        throw new AdminActionError(`task ${id} (${queued.name}) is running; wait for it to finish before retrying it`);
      }
      await connection.updateTable("autocron_tasks").set({ due_at: now }).where("id", "=", id).execute();
      return "due now" as const;
    }

    const result = await connection.selectFrom("autocron_results").selectAll().where("id", "=", id).executeTakeFirst();
    if (!result) {
      throw new AdminActionError(`no task or result has the id ${id}; its result may have expired`);
    }
    if (result.status === "ready") {
      throw new AdminActionError(`task ${id} (${result.name}) finished successfully; there is nothing to retry`);
    }
    if (result.args === null) {
      throw new AdminActionError(`task ${id} (${result.name}) was stored without its arguments, so it cannot be retried`);
    }

    const options = JSON.parse(result.options ?? "{}") as Partial<RetryOptions>;
    await connection.deleteFrom("autocron_results").where("id", "=", id).execute();
    await connection.insertInto("autocron_tasks").values({
      id,
      name: result.name,
      kind: "delay",
      args: result.args,
      status: "waiting",
      priority: options.priority ?? 0,
      due_at: now,
      max_attempts: options.maxAttempts ?? 1,
      backoff: options.backoff ?? null,
      timeout_ms: options.timeoutMs ?? null,
      attempt_log: result.attempt_log,
      created_at: now,
    }).execute();
    return "requeued" as const;
  });
}

/**
 * Cancels a waiting delayed task: it leaves the queue and its result becomes an
 * error, so that a caller waiting on it learns what happened.
 */
export async function cancelTask(db: Kysely<Database>, id: string, now: number, resultTtlMs: number): Promise<void> {
  await writeTransaction(db, async (connection) => {
    const task = await connection.selectFrom("autocron_tasks").selectAll().where("id", "=", id).executeTakeFirst();
    if (!task) {
      throw new AdminActionError(`task ${id} is not in the queue; only waiting tasks can be cancelled`);
    }
    if (task.kind === "cron") {
      throw new AdminActionError(`task ${id} is the cron task ${task.name}; remove it from the code to stop its schedule`);
    }
    if (task.status === "processing") {
      throw new AdminActionError(`task ${id} (${task.name}) is running and cannot be cancelled`);
    }

    await connection.deleteFrom("autocron_tasks").where("id", "=", id).execute();
    await connection.insertInto("autocron_results").values({
      id,
      name: task.name,
      status: "error",
      value: null,
      error: JSON.stringify({ name: "CancelledError", message: "the task was cancelled with the admin command" }),
      args: task.args,
      options: JSON.stringify({ priority: task.priority, maxAttempts: task.max_attempts, backoff: task.backoff, timeoutMs: task.timeout_ms }),
      attempts: task.attempts,
      attempt_log: task.attempt_log,
      started_at: null,
      finished_at: now,
      expires_at: now + resultTtlMs,
    }).execute();
  });
}

/** Deletes stored results with the given status; returns how many. */
export async function purgeResults(db: Kysely<Database>, status: "ready" | "error" | "all"): Promise<number> {
  let query = db.deleteFrom("autocron_results");
  if (status !== "all") query = query.where("status", "=", status);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}
