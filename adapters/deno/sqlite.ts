import type { PlainSqlite, SqliteHandle } from "../../src/adapter.ts";
import type { Database } from "../../src/store/schema.ts";
import { dataVersionReader, type NodeSqliteDatabaseSync, plainSqlite, wrapNodeSqlite } from "../shared/node-sqlite.ts";

async function openNative(path: string): Promise<NodeSqliteDatabaseSync> {
  // A computed specifier, because the Node 20 types `tsc` checks against lack node:sqlite.
  const { DatabaseSync } = await import("node:sqlite" as string) as {
    DatabaseSync: new (path: string) => NodeSqliteDatabaseSync;
  };
  return new DatabaseSync(path);
}

/** Opens an SQLite file with Deno's built-in `node:sqlite`. */
export async function openSqlite(path: string): Promise<SqliteHandle> {
  const native = await openNative(path);
  // Imported here, so that loading the adapter does not load Kysely's many modules.
  const { Kysely, SqliteDialect } = await import("kysely");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: wrapNodeSqlite(native) }) });
  return {
    db,
    dataVersion: dataVersionReader(native),
    close: () => db.destroy(),
  };
}

/** Opens an SQLite file with `node:sqlite`, without Kysely. */
export async function openPlainSqlite(path: string): Promise<PlainSqlite> {
  return plainSqlite(await openNative(path));
}
