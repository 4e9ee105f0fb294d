/**
 * The raw-driver ceiling: autocron's claim UPDATE on autocron's schema, with one
 * delete and one result insert per task. The statements go straight to the runtime's
 * SQLite driver (better-sqlite3 on Node, bun:sqlite on Bun, node:sqlite on Deno) from
 * one connection, without autocron around them.
 *
 *   <runtime> scripts/bench/ceiling.ts '{"directory": "...", "count": 50000, "batch": 64}'
 *
 * It reports inserts per second (one transaction of single-row inserts) and claims
 * plus completions per second (claim `batch` tasks, delete them, store their results,
 * one transaction per batch).
 */

import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";
import { createTaskId } from "../../src/ids.ts";
import { getRuntime, loadAdapter } from "../../src/runtime.ts";
import { openStore } from "../../src/store/open-store.ts";
import { preciseNow, printResult, progress } from "./measure.ts";

interface Statement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

interface Connection {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}

const request = JSON.parse(process.argv[2] ?? "{}") as { directory: string; count: number; batch: number };
const path = join(request.directory, "ceiling.db");

async function openRaw(): Promise<Connection> {
  const runtime = getRuntime();
  if (runtime === "bun") {
    const { Database } = await import("bun:sqlite" as string);
    const database = new Database(path, { strict: false });
    return {
      exec: (sql) => database.exec(sql),
      prepare: (sql) => {
        const statement = database.prepare(sql);
        return { run: (...params) => statement.run(...params), all: (...params) => statement.all(...params) };
      },
      close: () => database.close(),
    };
  }
  if (runtime === "deno") {
    const { DatabaseSync } = await import("node:sqlite" as string);
    const database = new DatabaseSync(path);
    return {
      exec: (sql) => database.exec(sql),
      prepare: (sql) => database.prepare(sql),
      close: () => database.close(),
    };
  }
  const BetterSqlite3 = createRequire(import.meta.url)("better-sqlite3");
  const database = new BetterSqlite3(path);
  return {
    exec: (sql) => database.exec(sql),
    prepare: (sql) => database.prepare(sql),
    close: () => database.close(),
  };
}

// The schema comes from autocron's own migration, so the tables and indexes match.
const handle = await openStore(await loadAdapter(), path);
await handle.close();

const connection = await openRaw();
connection.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");

const insert = connection.prepare(
  `INSERT INTO autocron_tasks (id, name, kind, args, status, priority, due_at, max_attempts, created_at)
   VALUES (?, 'noop', 'delay', '[]', 'waiting', 0, ?, 1, ?)`,
);
const insertBegan = preciseNow();
connection.exec("BEGIN IMMEDIATE");
for (let index = 0; index < request.count; index++) {
  const now = Date.now();
  insert.run(createTaskId(now), now, now);
}
connection.exec("COMMIT");
const insertSeconds = (preciseNow() - insertBegan) / 1000;
progress(`inserted ${request.count} rows in ${insertSeconds.toFixed(2)} s`);

const claim = connection.prepare(
  `UPDATE autocron_tasks
   SET status = 'processing', worker_id = 'ceiling', lease_expires_at = ?, started_at = ?, attempts = attempts + 1
   WHERE id IN (SELECT id FROM autocron_tasks WHERE status = 'waiting' AND due_at <= ? ORDER BY priority DESC, due_at LIMIT ?)
   RETURNING id, name, attempts, attempt_log`,
);
const remove = connection.prepare(`DELETE FROM autocron_tasks WHERE id = ? AND worker_id = 'ceiling'`);
const store = connection.prepare(
  `INSERT INTO autocron_results (id, name, status, value, attempts, attempt_log, started_at, finished_at, expires_at)
   VALUES (?, ?, 'ready', '{"$":"undefined"}', ?, ?, ?, ?, ?)`,
);

const drainBegan = preciseNow();
let drained = 0;
for (;;) {
  const now = Date.now();
  connection.exec("BEGIN IMMEDIATE");
  const rows = claim.all(now + 5_000, now, now, request.batch) as Array<{ id: string; name: string; attempts: number; attempt_log: string }>;
  for (const row of rows) {
    remove.run(row.id);
    store.run(row.id, row.name, row.attempts, row.attempt_log, now, now, now + 1_800_000);
  }
  connection.exec("COMMIT");
  if (rows.length === 0) break;
  drained += rows.length;
}
const drainSeconds = (preciseNow() - drainBegan) / 1000;
connection.close();

printResult({
  scenario: "ceiling",
  count: request.count,
  batch: request.batch,
  insertsPerSecond: request.count / insertSeconds,
  claimCompletePerSecond: drained / drainSeconds,
});
