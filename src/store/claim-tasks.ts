import { type Kysely, type Selectable, sql } from "kysely";
import type { Database, TaskTable } from "./schema.ts";

export type ClaimedTask = Pick<
  Selectable<TaskTable>,
  | "id"
  | "name"
  | "kind"
  | "args"
  | "priority"
  | "due_at"
  | "attempts"
  | "max_attempts"
  | "interruptions"
  | "backoff"
  | "timeout_ms"
  | "schedule"
  | "timezone"
  | "attempt_log"
  | "started_at"
>;

export interface ClaimOptions {
  workerId: string;
  limit: number;
  now: number;
  leaseMs: number;
}

/**
 * Claims up to `limit` due tasks for a worker in one `UPDATE … RETURNING`, which
 * SQLite runs atomically, so no two workers ever claim the same task. Claimed tasks
 * carry the worker's id and a lease; tasks come back highest priority first, then
 * oldest due time first.
 */
export async function claimTasks(db: Kysely<Database>, options: ClaimOptions): Promise<ClaimedTask[]> {
  const { workerId, limit, now, leaseMs } = options;

  const due = db
    .selectFrom("autocron_tasks")
    .select("id")
    .where("status", "=", "waiting")
    .where("due_at", "<=", now)
    .orderBy("priority", "desc")
    .orderBy("due_at")
    .limit(limit);

  const claimed = await db
    .updateTable("autocron_tasks")
    .set({
      status: "processing",
      worker_id: workerId,
      lease_expires_at: now + leaseMs,
      started_at: now,
      attempts: sql`attempts + 1`,
    })
    .where("id", "in", due)
    .returning([
      "id",
      "name",
      "kind",
      "args",
      "priority",
      "due_at",
      "attempts",
      "max_attempts",
      "interruptions",
      "backoff",
      "timeout_ms",
      "schedule",
      "timezone",
      "attempt_log",
      "started_at",
    ])
    .execute();

  // RETURNING gives rows in no particular order.
  return claimed.sort((a, b) => b.priority - a.priority || a.due_at - b.due_at);
}
