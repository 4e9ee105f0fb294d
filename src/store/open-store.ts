import { sql } from "kysely";
import type { RuntimeAdapter, SqliteHandle } from "../adapter.ts";
import { migrate } from "./migrate.ts";
import { adviseOnStorageError, BUSY_TIMEOUT_MS, classifySqliteError, retryWhenBusy } from "./storage-errors.ts";

export { BUSY_TIMEOUT_MS };

/**
 * The supervisor's checkpointer thread copies the WAL into the database file, so
 * commits run a checkpoint themselves only past this many WAL pages (40 MiB with
 * 4 KiB pages): when no supervisor runs, or its checkpointer falls behind. SQLite's
 * default of 1,000 would put a checkpoint, with its sync, inside every commit that
 * crosses it.
 */
export const AUTO_CHECKPOINT_PAGES = 10_000;

/**
 * Opens an SQLite file for the queue and brings its schema up to date. WAL mode lets
 * readers run while one process writes. With synchronous NORMAL a commit survives a
 * crash of the process, and a power loss may lose the last commits but does not
 * corrupt the file. Errors name the file and what to do.
 *
 * Several processes opening a new file at once contend for the lock that switches it
 * to WAL mode, and SQLite may report SQLITE_BUSY there without waiting, so the
 * set-up is retried (`retryBusy`, default true).
 */
export async function openStore(
  adapter: RuntimeAdapter,
  path: string,
  options: { retryBusy?: boolean } = {},
): Promise<SqliteHandle> {
  let handle: SqliteHandle;
  try {
    handle = await adapter.openSqlite(path);
  } catch (error) {
    throw describeOpenError(path, error);
  }

  const setUp = async () => {
    await sql.raw(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`).execute(handle.db);
    await sql`PRAGMA journal_mode = WAL`.execute(handle.db);
    await sql`PRAGMA synchronous = NORMAL`.execute(handle.db);
    await sql.raw(`PRAGMA wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`).execute(handle.db);
    await migrate(handle.db);
  };
  try {
    await (options.retryBusy === false ? setUp() : retryWhenBusy(setUp));
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw describeOpenError(path, error);
  }
  return handle;
}

/** Rewrites a driver error on opening `path` into one that names the file and the fix. */
export function describeOpenError(path: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/malformed|SQLITE_CORRUPT/i.test(message)) {
    return new Error(
      `autocron: database ${path} is corrupt (${message}); restore it from a backup, or delete it ` +
        `(autocron <database> delete-database)`,
      { cause: error },
    );
  }
  if (/file is not a database|file is encrypted|SQLITE_NOTADB/i.test(message)) {
    return new Error(
      `autocron: ${path} is not an SQLite database (${message}); pass the path of an autocron database ` +
        `or of a new file, or move this file away`,
      { cause: error },
    );
  }
  if (/unable to open database file|SQLITE_CANTOPEN/i.test(message)) {
    return new Error(
      `autocron: cannot open database ${path} (${message}); check that its directory exists and is writable`,
      { cause: error },
    );
  }
  if (classifySqliteError(error) === "full") {
    return new Error(`autocron: cannot write to database ${path} (${message}); ${adviseOnStorageError(error)}`, { cause: error });
  }
  if (/database is locked|SQLITE_BUSY/i.test(message)) {
    return new Error(
      `autocron: database ${path} is locked by another process (busy timeout of ${BUSY_TIMEOUT_MS} ms exceeded); try again`,
      { cause: error },
    );
  }
  if (/readonly|SQLITE_READONLY/i.test(message)) {
    return new Error(
      `autocron: database ${path} is read-only (${message}); autocron must write to it and to its -wal and -shm files`,
      { cause: error },
    );
  }
  if (error instanceof Error && error.message.startsWith("autocron:")) {
    return error;
  }
  return new Error(`autocron: cannot open database ${path}: ${message}`, { cause: error });
}
