/**
 * Kysely's `SqliteDialect` expects a database with better-sqlite3's shape. This
 * wraps a `node:sqlite` `DatabaseSync` (Deno, and Node 22.5 and later) in that shape,
 * and caches prepared statements, because Kysely prepares every query anew.
 */

import type { SqliteDatabase, SqliteStatement } from "kysely";
import type { PlainSqlite } from "../../src/adapter.ts";

/** The part of `node:sqlite`'s `DatabaseSync` used here. */
export interface NodeSqliteDatabaseSync {
  prepare(sql: string): NodeSqliteStatementSync;
  exec(sql: string): void;
  close(): void;
}

interface NodeSqliteStatementSync {
  all(...parameters: unknown[]): unknown[];
  get(...parameters: unknown[]): unknown;
  run(...parameters: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...parameters: unknown[]): IterableIterator<unknown>;
  columns?(): unknown[];
}

// Used when the runtime's StatementSync has no columns() (Node before 22.16).
const READER_PATTERN = /^\s*(select|with|pragma|values|explain)\b|\breturning\b/i;

const MAX_CACHED_STATEMENTS = 256;

/** Wraps `database` for Kysely's `SqliteDialect`. */
export function wrapNodeSqlite(database: NodeSqliteDatabaseSync): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();

  return {
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql);
      if (cached) return cached;

      const statement = wrapStatement(database.prepare(sql), sql);
      if (cache.size >= MAX_CACHED_STATEMENTS) {
        cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
    close(): void {
      cache.clear();
      database.close();
    },
  };
}

function wrapStatement(statement: NodeSqliteStatementSync, sql: string): SqliteStatement {
  const reader = typeof statement.columns === "function" ? statement.columns().length > 0 : READER_PATTERN.test(sql);
  return {
    reader,
    all: (parameters) => statement.all(...parameters),
    run: (parameters) => statement.run(...parameters),
    iterate: (parameters) => statement.iterate(...parameters),
  };
}

/** Wraps a `node:sqlite` or better-sqlite3 database as a `PlainSqlite`, keeping each prepared statement. */
export function plainSqlite(
  database: { prepare(sql: string): { get(): unknown }; exec(sql: string): unknown; close(): void },
): PlainSqlite {
  const statements = new Map<string, { get(): unknown }>();
  return {
    get<Row>(sql: string): Row | undefined {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement.get() as Row | undefined;
    },
    exec: (sql) => {
      database.exec(sql);
    },
    close: () => database.close(),
  };
}

/** Reads `PRAGMA data_version` through a prepared statement kept for the purpose. */
export function dataVersionReader(database: NodeSqliteDatabaseSync): () => number {
  const statement = database.prepare("PRAGMA data_version");
  return () => Number((statement.get() as { data_version: number }).data_version);
}
