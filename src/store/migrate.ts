import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";
import { writeTransaction } from "./transaction.ts";

/** The schema version this code writes; kept in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 1;

const MIGRATIONS: ReadonlyArray<readonly string[]> = [
  // Version 1: the queue, results, settings, supervisor leases and workers.
  [
    `CREATE TABLE autocron_tasks (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      args TEXT NOT NULL,
      status TEXT NOT NULL,
      priority INTEGER NOT NULL DEFAULT 0,
      due_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      max_attempts INTEGER NOT NULL DEFAULT 1,
      interruptions INTEGER NOT NULL DEFAULT 0,
      backoff TEXT,
      timeout_ms INTEGER,
      worker_id TEXT,
      lease_expires_at INTEGER,
      started_at INTEGER,
      created_at INTEGER NOT NULL,
      schedule TEXT,
      timezone TEXT,
      attempt_log TEXT NOT NULL DEFAULT '[]',
      last_run_at INTEGER,
      last_error TEXT
    )`,
    `CREATE INDEX autocron_tasks_claim ON autocron_tasks (status, priority DESC, due_at)`,
    `CREATE INDEX autocron_tasks_worker ON autocron_tasks (worker_id) WHERE worker_id IS NOT NULL`,
    `CREATE TABLE autocron_results (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      status TEXT NOT NULL,
      value TEXT,
      error TEXT,
      args TEXT,
      options TEXT,
      attempts INTEGER NOT NULL,
      attempt_log TEXT NOT NULL DEFAULT '[]',
      started_at INTEGER,
      finished_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`,
    `CREATE INDEX autocron_results_expiry ON autocron_results (expires_at)`,
    `CREATE TABLE autocron_settings (
      name TEXT PRIMARY KEY,
      value TEXT NOT NULL
    )`,
    `CREATE TABLE autocron_supervisors (
      host TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      pid INTEGER NOT NULL,
      started_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`,
    `CREATE TABLE autocron_log_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      host TEXT NOT NULL,
      event TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`,
    `CREATE TABLE autocron_workers (
      id TEXT PRIMARY KEY,
      host TEXT NOT NULL,
      supervisor TEXT NOT NULL,
      pid INTEGER NOT NULL,
      isolation TEXT NOT NULL,
      started_at INTEGER NOT NULL
    )`,
  ],
];

/** Reads `PRAGMA user_version`: 0 for a new file, else the autocron schema version. */
export async function readSchemaVersion(db: Kysely<Database>): Promise<number> {
  const result = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db);
  return Number(result.rows[0]?.user_version ?? 0);
}

/**
 * Brings the schema up to `SCHEMA_VERSION`. Several processes may start at once, so
 * the version is read again inside the write transaction and a migration that
 * another process already applied is skipped.
 */
export async function migrate(db: Kysely<Database>): Promise<void> {
  if (await readSchemaVersion(db) === SCHEMA_VERSION) {
    return;
  }

  await writeTransaction(db, async (connection) => {
    const current = await readSchemaVersion(connection);
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `autocron: the database has schema version ${current}, but this autocron writes version ` +
          `${SCHEMA_VERSION}; upgrade autocron in this app`,
      );
    }

    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      for (const statement of MIGRATIONS[version - 1]!) {
        await sql.raw(statement).execute(connection);
      }
    }

    // PRAGMA takes no bound parameters; the value is our own integer constant.
    await sql.raw(`PRAGMA user_version = ${SCHEMA_VERSION}`).execute(connection);
  });
}
