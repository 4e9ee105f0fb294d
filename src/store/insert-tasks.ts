import { CompiledQuery, type Insertable, type Kysely } from "kysely";
import type { Database, TaskTable } from "./schema.ts";
import { writeTransaction } from "./transaction.ts";

export type NewTask = Insertable<TaskTable>;

// One statement inserts a whole chunk: the rows travel as one JSON array that
// SQLite unpacks with json_each, so the statement text (and its prepared statement)
// is the same for any number of rows.
const INSERT_FROM_JSON = `
  INSERT INTO autocron_tasks
    (id, name, kind, args, status, priority, due_at, max_attempts, backoff, timeout_ms, created_at)
  SELECT
    json_extract(value, '$.id'), json_extract(value, '$.name'), 'delay', json_extract(value, '$.args'),
    'waiting', json_extract(value, '$.priority'), json_extract(value, '$.due_at'),
    json_extract(value, '$.max_attempts'), json_extract(value, '$.backoff'),
    json_extract(value, '$.timeout_ms'), json_extract(value, '$.created_at')
  FROM json_each(?)`;

const ROWS_PER_STATEMENT = 1_000;

/** Inserts delayed tasks in one write transaction, so a batch is stored whole or not at all. */
export async function insertTasks(db: Kysely<Database>, tasks: readonly NewTask[]): Promise<void> {
  if (tasks.length === 0) {
    return;
  }
  const insertChunk = (connection: Kysely<Database>, chunk: readonly NewTask[]) =>
    connection.executeQuery(CompiledQuery.raw(INSERT_FROM_JSON, [JSON.stringify(chunk.map(toRow))]));

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

function toRow(task: NewTask) {
  return {
    id: task.id,
    name: task.name,
    args: task.args,
    priority: task.priority ?? 0,
    due_at: task.due_at,
    max_attempts: task.max_attempts ?? 1,
    backoff: task.backoff ?? null,
    timeout_ms: task.timeout_ms ?? null,
    created_at: task.created_at,
  };
}
