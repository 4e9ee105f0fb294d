import type { Kysely } from "kysely";
import { nextRunAfter } from "../schedule.ts";
import type { Database } from "./schema.ts";
import { writeTransaction } from "./transaction.ts";

export interface CronDefinition {
  name: string;
  /** The normalized 6-field expression. */
  schedule: string;
  timezone: string;
}

/** Returns the queue id of a cron task; one row per name. */
export function cronTaskId(name: string): string {
  return `cron:${name}`;
}

/**
 * Makes the queue contain exactly one row for each cron task defined in code. A new
 * schedule gets its first run after `now`. An unchanged one keeps its planned run, so
 * restarts do not shift it, and a changed one is planned again from `now`. Cron rows
 * no longer defined in code are removed.
 */
export async function syncCronTasks(
  db: Kysely<Database>,
  definitions: readonly CronDefinition[],
  now: number,
): Promise<void> {
  await writeTransaction(db, async (connection) => {
    const existing = await connection
      .selectFrom("autocron_tasks")
      .select(["id", "schedule", "timezone", "status"])
      .where("kind", "=", "cron")
      .execute();
    const byId = new Map(existing.map((row) => [row.id, row]));

    for (const definition of definitions) {
      const id = cronTaskId(definition.name);
      const row = byId.get(id);
      byId.delete(id);

      if (!row) {
        await connection
          .insertInto("autocron_tasks")
          .values({
            id,
            name: definition.name,
            kind: "cron",
            args: "[]",
            status: "waiting",
            due_at: nextRunAfter(definition.schedule, definition.timezone, now),
            created_at: now,
            schedule: definition.schedule,
            timezone: definition.timezone,
          })
          .execute();
        continue;
      }

      if (row.schedule === definition.schedule && row.timezone === definition.timezone) {
        continue;
      }
      // A running task keeps its claim; its worker plans the next run from the new
      // schedule when it settles.
      const replan = row.status === "waiting" ? { due_at: nextRunAfter(definition.schedule, definition.timezone, now) } : {};
      await connection
        .updateTable("autocron_tasks")
        .set({ schedule: definition.schedule, timezone: definition.timezone, ...replan })
        .where("id", "=", id)
        .execute();
    }

    const stale = [...byId.keys()];
    if (stale.length > 0) {
      await connection.deleteFrom("autocron_tasks").where("id", "in", stale).execute();
    }
  });
}
