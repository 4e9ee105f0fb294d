import type { SqliteDatabase, SqliteStatement } from "kysely";
import type { PlainSqlite, SqliteHandle } from "../../src/adapter.ts";
import type { Database } from "../../src/store/schema.ts";
import { dataVersionReader, type NodeSqliteDatabaseSync, plainSqlite, wrapNodeSqlite } from "../shared/node-sqlite.ts";

/**
 * Opens an SQLite file on Node: with `node:sqlite` where Node has it (22.5 and later),
 * else with better-sqlite3 12, which only Node users need to install.
 */
export async function openSqlite(path: string): Promise<SqliteHandle> {
  const nodeSqlite = await importNodeSqlite();
  if (nodeSqlite) {
    const native = new nodeSqlite.DatabaseSync(path);
    return await createHandle(wrapNodeSqlite(native), dataVersionReader(native));
  }

  const BetterSqlite3 = await importBetterSqlite3();
  const native = new BetterSqlite3(path);
  const dataVersion = native.prepare("PRAGMA data_version").pluck();
  return await createHandle(cacheStatements(native), () => Number(dataVersion.get()));
}

/** Opens an SQLite file with the same driver as `openSqlite`, without Kysely. */
export async function openPlainSqlite(path: string): Promise<PlainSqlite> {
  const nodeSqlite = await importNodeSqlite();
  if (nodeSqlite) return plainSqlite(new nodeSqlite.DatabaseSync(path));
  const BetterSqlite3 = await importBetterSqlite3();
  return plainSqlite(new BetterSqlite3(path));
}

async function createHandle(database: SqliteDatabase, dataVersion: () => number): Promise<SqliteHandle> {
  // Imported here, so that loading the adapter does not load Kysely's many modules.
  const { Kysely, SqliteDialect } = await import("kysely");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    dataVersion,
    close: () => db.destroy(),
  };
}

async function importNodeSqlite(): Promise<{ DatabaseSync: new (path: string) => NodeSqliteDatabaseSync } | undefined> {
  try {
    // Node 22.5 to 22.12 print an ExperimentalWarning for this module; Node 20 lacks it.
    return await import("node:sqlite" as string);
  } catch {
    return undefined;
  }
}

interface BetterSqlite3Database extends SqliteDatabase {
  prepare(sql: string): SqliteStatement & { get(): unknown; pluck(): { get(): unknown } };
  exec(sql: string): unknown;
}

async function importBetterSqlite3(): Promise<new (path: string) => BetterSqlite3Database> {
  try {
    const module = await import("better-sqlite3" as string);
    return module.default;
  } catch (error) {
    throw new Error(
      `autocron: Node ${process.versions.node} has no node:sqlite, so autocron needs better-sqlite3 12; ` +
        `install it with: npm install better-sqlite3@12 (${(error as Error).message})`,
      { cause: error },
    );
  }
}

// Kysely prepares each query again; better-sqlite3 statements can be reused.
function cacheStatements(database: BetterSqlite3Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= 256) cache.delete(cache.keys().next().value!);
        statement = database.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
    close: () => database.close(),
  };
}
