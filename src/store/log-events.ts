import type { Kysely } from "kysely";
import type { LogEvent } from "../logger.ts";
import type { Database } from "./schema.ts";
import { writeTransaction } from "./transaction.ts";

/** Stores a worker's log event for its supervisor, which passes it to the app's logger function. */
export async function insertLogEvent(db: Kysely<Database>, host: string, event: LogEvent): Promise<void> {
  await db.insertInto("autocron_log_events").values({ host, event: JSON.stringify(event), created_at: Date.now() }).execute();
}

/** Removes and returns the stored log events of a host, oldest first. */
export async function takeLogEvents(db: Kysely<Database>, host: string, limit = 1_000): Promise<LogEvent[]> {
  return await writeTransaction(db, async (connection) => {
    const rows = await connection
      .selectFrom("autocron_log_events")
      .select(["id", "event"])
      .where("host", "=", host)
      .orderBy("id")
      .limit(limit)
      .execute();
    if (rows.length > 0) {
      await connection.deleteFrom("autocron_log_events").where("id", "<=", rows.at(-1)!.id).where("host", "=", host).execute();
    }
    return rows.map((row) => JSON.parse(row.event) as LogEvent);
  });
}
