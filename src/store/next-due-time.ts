import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** Returns the earliest due time of a waiting task (UTC ms), or undefined for an empty queue. */
export async function readNextDueTime(db: Kysely<Database>): Promise<number | undefined> {
  // NOTE: the claim index leads with priority, so this scans every waiting task.
  // It runs only when a worker has nothing due and is about to sleep.
  const row = await db
    .selectFrom("autocron_tasks")
    .select((eb) => eb.fn.min<number>("due_at").as("next"))
    .where("status", "=", "waiting")
    .executeTakeFirst();
  return row?.next ?? undefined;
}
