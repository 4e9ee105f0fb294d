import { sql } from "kysely";
import type { RuntimeAdapter, SqliteHandle } from "../adapter.ts";
import { resolveDatabaseLocation } from "../database-path.ts";
import { readSchemaVersion, SCHEMA_VERSION } from "../store/migrate.ts";
import { BUSY_TIMEOUT_MS, describeOpenError, openStore } from "../store/open-store.ts";
import { UsageError } from "./parse-arguments.ts";

/**
 * Opens the database named on the command line. Reading commands open only an
 * existing autocron database and create nothing; writing commands create it when
 * missing, as `start()` would.
 */
export async function openCommandDatabase(
  adapter: RuntimeAdapter,
  database: string,
  mode: "read" | "write",
): Promise<{ handle: SqliteHandle; path: string }> {
  const reading = mode === "read";
  const location = resolveDatabaseLocation(database, adapter.system, { createDirectory: !reading, checkDirectory: !reading });
  if (location.kind === "postgres") {
    throw new UsageError(`PostgreSQL is not supported yet (${location.url}); pass an SQLite database`);
  }
  const path = location.path;

  if (mode === "write") {
    // A command fails after one busy timeout instead of retrying like an app.
    return { handle: await openStore(adapter, path, { retryBusy: false }), path };
  }
  if (!adapter.system.exists(path)) {
    throw new UsageError(
      `database ${path} does not exist; check the path (bare file names are looked up in ~/.autocron/)`,
    );
  }

  const handle = await adapter.openSqlite(path);
  try {
    await sql.raw(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`).execute(handle.db);
    const version = await readSchemaVersion(handle.db);
    if (version === 0) {
      throw new UsageError(`${path} is an SQLite database without autocron tables; is it the right file?`);
    }
    if (version > SCHEMA_VERSION) {
      throw new UsageError(`${path} has schema version ${version}, newer than this autocron (${SCHEMA_VERSION}); upgrade autocron`);
    }
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error instanceof UsageError ? error : describeOpenError(path, error);
  }
  return { handle, path };
}
