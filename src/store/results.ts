import type { Kysely, Selectable } from "kysely";
import type { Database, ResultTable } from "./schema.ts";

export type TaskStatus = "waiting" | "processing" | "ready" | "error" | "unavailable";

/** Reads a task's status from the queue or the results; "unavailable" when it is in neither. */
export async function readTaskStatus(db: Kysely<Database>, id: string, now: number): Promise<TaskStatus> {
  const queued = await db.selectFrom("autocron_tasks").select("status").where("id", "=", id).executeTakeFirst();
  if (queued) {
    return queued.status;
  }
  const result = await readResult(db, id, now);
  return result?.status ?? "unavailable";
}

/** Reads a stored result that has not expired. */
export async function readResult(
  db: Kysely<Database>,
  id: string,
  now: number,
): Promise<Selectable<ResultTable> | undefined> {
  return await db
    .selectFrom("autocron_results")
    .selectAll()
    .where("id", "=", id)
    .where("expires_at", ">", now)
    .executeTakeFirst();
}

/** Deletes results whose time to live has passed; returns how many. */
export async function deleteExpiredResults(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db.deleteFrom("autocron_results").where("expires_at", "<=", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
