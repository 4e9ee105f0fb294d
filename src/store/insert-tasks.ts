import type { Insertable, Kysely } from "kysely";
import type { Database, TaskTable } from "./schema.ts";
import { writeTransaction } from "./transaction.ts";

export type NewTask = Insertable<TaskTable>;

// SQLite before 3.32 allows 999 bound parameters per statement; 40 rows of up to 21
// columns stay below that whatever SQLite version the driver bundles.
const ROWS_PER_STATEMENT = 40;

/** Inserts delayed tasks in one write transaction, so a batch is stored whole or not at all. */
export async function insertTasks(db: Kysely<Database>, tasks: readonly NewTask[]): Promise<void> {
  if (tasks.length === 0) {
    return;
  }
  if (tasks.length <= ROWS_PER_STATEMENT) {
    // One statement is atomic on its own; no explicit transaction needed.
    await db.insertInto("autocron_tasks").values(tasks as NewTask[]).execute();
    return;
  }

  await writeTransaction(db, async (connection) => {
    for (let offset = 0; offset < tasks.length; offset += ROWS_PER_STATEMENT) {
      const chunk = tasks.slice(offset, offset + ROWS_PER_STATEMENT);
      await connection.insertInto("autocron_tasks").values(chunk).execute();
    }
  });
}
