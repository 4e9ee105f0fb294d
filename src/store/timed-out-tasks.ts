import { type Kysely, sql } from "kysely";
import type { ClaimedTask } from "./claim-tasks.ts";
import type { Database } from "./schema.ts";

/** Reads processing tasks of the given workers that have run longer than their `timeout_ms`. */
export async function readTimedOutTasks(
  db: Kysely<Database>,
  workerIds: readonly string[],
  now: number,
): Promise<Array<ClaimedTask & { worker_id: string | null }>> {
  if (workerIds.length === 0) {
    return [];
  }
  return await db
    .selectFrom("autocron_tasks")
    .selectAll()
    .where("status", "=", "processing")
    .where("worker_id", "in", workerIds)
    .where("timeout_ms", "is not", null)
    .where(sql<boolean>`started_at + timeout_ms < ${now}`)
    .execute();
}

/** Reads the processing tasks held by one worker. */
export async function readWorkerTasks(db: Kysely<Database>, workerId: string, ids: readonly string[]): Promise<ClaimedTask[]> {
  if (ids.length === 0) {
    return [];
  }
  return await db
    .selectFrom("autocron_tasks")
    .selectAll()
    .where("status", "=", "processing")
    .where("worker_id", "=", workerId)
    .where("id", "in", ids)
    .execute();
}
