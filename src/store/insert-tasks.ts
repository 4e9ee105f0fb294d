import { type Insertable, type Kysely } from "kysely";
import { rawQuery } from "./raw-query.ts";
import type { Database, TaskTable } from "./schema.ts";
import { writeTransaction } from "./transaction.ts";

export type NewTask = Insertable<TaskTable>;

// Rows are inserted 100 to a statement. 100 rows of 9 parameters stay below the 999
// bound parameters that SQLite before 3.32 allows, and the statement text only
// differs for the last, shorter chunk, so drivers reuse their prepared statements.
const ROWS_PER_STATEMENT = 100;
const statementTexts = new Map<number, string>();

function insertStatement(rows: number): string {
  let text = statementTexts.get(rows);
  if (text === undefined) {
    const values = Array.from({ length: rows }, () => "(?, ?, 'delay', ?, 'waiting', ?, ?, ?, ?, ?, ?)").join(", ");
    text = `INSERT INTO autocron_tasks
      (id, name, kind, args, status, priority, due_at, max_attempts, backoff, timeout_ms, created_at)
      VALUES ${values}`;
    statementTexts.set(rows, text);
  }
  return text;
}

function insertChunk(db: Kysely<Database>, chunk: readonly NewTask[]) {
  const parameters: unknown[] = [];
  for (const task of chunk) {
    parameters.push(
      task.id,
      task.name,
      task.args,
      task.priority ?? 0,
      task.due_at,
      task.max_attempts ?? 1,
      task.backoff ?? null,
      task.timeout_ms ?? null,
      task.created_at,
    );
  }
  return db.executeQuery(rawQuery(insertStatement(chunk.length), parameters));
}

/** Inserts delayed tasks in one write transaction, so a batch is stored whole or not at all. */
export async function insertTasks(db: Kysely<Database>, tasks: readonly NewTask[]): Promise<void> {
  if (tasks.length === 0) {
    return;
  }
  if (tasks.length <= ROWS_PER_STATEMENT) {
    // One statement is atomic on its own; no explicit transaction needed.
    await insertChunk(db, tasks);
    return;
  }
  await writeTransaction(db, async (connection) => {
    for (let offset = 0; offset < tasks.length; offset += ROWS_PER_STATEMENT) {
      await insertChunk(connection, tasks.slice(offset, offset + ROWS_PER_STATEMENT));
    }
  });
}
