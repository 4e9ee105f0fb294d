import { Database as BunDatabase } from "bun:sqlite";
import type { PlainSqlite, SqliteHandle } from "../../src/adapter.ts";
import type { Database } from "../../src/store/schema.ts";

/** Opens an SQLite file with `bun:sqlite` through kysely-bun-sqlite. */
export async function openSqlite(path: string): Promise<SqliteHandle> {
  const native = new BunDatabase(path, { create: true });

  // Imported here, so that loading the adapter does not load Kysely's many modules.
  const [{ Kysely }, { BunSqliteDialect }] = await Promise.all([import("kysely"), import("kysely-bun-sqlite")]);

  // kysely-bun-sqlite calls prepare() for every query; query() returns Bun's cached
  // statement for the same SQL instead of compiling it again.
  const cached = { prepare: (sql: string) => native.query(sql), close: () => native.close() };
  const db = new Kysely<Database>({ dialect: new BunSqliteDialect({ database: cached as unknown as BunDatabase }) });
  const dataVersion = native.query<{ data_version: number }, []>("PRAGMA data_version");

  return {
    db,
    dataVersion: () => Number(dataVersion.get()!.data_version),
    close: () => db.destroy(),
  };
}

/** Opens an SQLite file with `bun:sqlite`, without Kysely. */
export function openPlainSqlite(path: string): Promise<PlainSqlite> {
  const native = new BunDatabase(path, { create: true });
  return Promise.resolve({
    get: <Row>(sql: string) => (native.query(sql).get() ?? undefined) as Row | undefined,
    exec: (sql: string) => {
      native.exec(sql);
    },
    close: () => native.close(),
  });
}
