import { Kysely, SqliteDialect } from "kysely";
import type { SqliteHandle } from "../../src/adapter.ts";
import type { Database } from "../../src/store/schema.ts";
import { dataVersionReader, type NodeSqliteDatabaseSync, wrapNodeSqlite } from "../shared/node-sqlite.ts";

/** Opens an SQLite file with Deno's built-in `node:sqlite`. */
export async function openSqlite(path: string): Promise<SqliteHandle> {
  // A computed specifier, because the Node 20 types `tsc` checks against lack node:sqlite.
  const { DatabaseSync } = await import("node:sqlite" as string) as {
    DatabaseSync: new (path: string) => NodeSqliteDatabaseSync;
  };
  const native = new DatabaseSync(path);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: wrapNodeSqlite(native) }) });
  return {
    db,
    dataVersion: dataVersionReader(native),
    close: () => db.destroy(),
  };
}
