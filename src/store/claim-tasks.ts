import { type Kysely, type Selectable } from "kysely";
import { rawQuery } from "./raw-query.ts";
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

// Written out rather than built with Kysely's query builder: workers run it for every
// batch, and a fixed text is prepared once and reused by the driver.
const CLAIM = `
  UPDATE autocron_tasks
  SET status = 'processing', worker_id = ?, lease_expires_at = ?, started_at = ?, attempts = attempts + 1
  WHERE id IN (
    SELECT id FROM autocron_tasks
    WHERE status = 'waiting' AND due_at <= ?
    ORDER BY priority DESC, due_at
    LIMIT ?
  )
  RETURNING id, name, kind, args, priority, due_at, attempts, max_attempts, interruptions, backoff,
    timeout_ms, schedule, timezone, attempt_log, started_at`;

/**
 * Claims up to `limit` due tasks for a worker in one `UPDATE … RETURNING`, which
 * SQLite runs atomically, so no two workers ever claim the same task. Claimed tasks
 * carry the worker's id and a lease; tasks come back highest priority first, then
 * oldest due time first.
 */
export async function claimTasks(db: Kysely<Database>, options: ClaimOptions): Promise<ClaimedTask[]> {
  const { workerId, limit, now, leaseMs } = options;
  const result = await db.executeQuery<ClaimedTask>(
    rawQuery(CLAIM, [workerId, now + leaseMs, now, now, limit]),
  );

  // RETURNING gives rows in no particular order.
  return [...result.rows].sort((a, b) => b.priority - a.priority || a.due_at - b.due_at);
}

/** Records that a claimed task starts now, for a task that waited in its worker's batch. */
export async function markTaskStarted(db: Kysely<Database>, id: string, workerId: string, now: number): Promise<void> {
  await db
    .updateTable("autocron_tasks")
    .set({ started_at: now })
    .where("id", "=", id)
    .where("worker_id", "=", workerId)
    .execute();
}
