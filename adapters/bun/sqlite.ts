import { Database as BunDatabase } from "bun:sqlite";
import { Kysely } from "kysely";
import { BunSqliteDialect } from "kysely-bun-sqlite";
import type { SqliteHandle } from "../../src/adapter.ts";
import type { Database } from "../../src/store/schema.ts";

/** Opens an SQLite file with `bun:sqlite` through kysely-bun-sqlite. */
export function openSqlite(path: string): Promise<SqliteHandle> {
  const native = new BunDatabase(path, { create: true });

  // kysely-bun-sqlite calls prepare() for every query; query() returns Bun's cached
  // statement for the same SQL instead of compiling it again.
  const cached = { prepare: (sql: string) => native.query(sql), close: () => native.close() };
  const db = new Kysely<Database>({ dialect: new BunSqliteDialect({ database: cached as unknown as BunDatabase }) });
  const dataVersion = native.query<{ data_version: number }, []>("PRAGMA data_version");

  return Promise.resolve({
    db,
    dataVersion: () => Number(dataVersion.get()!.data_version),
    close: () => db.destroy(),
  });
}
