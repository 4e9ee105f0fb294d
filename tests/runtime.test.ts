import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { sql } from "kysely";
import { getRuntime, loadAdapter } from "../src/runtime.ts";
import { makeTempDir, openDatabase } from "./helpers.ts";

test("runtime is detected as the one running", () => {
  const expected = process.env.AUTOCRON_TEST_RUNTIME;
  if (expected === undefined) {
    // Run outside the matrix: the detection must still name a supported runtime.
    assert.ok(["bun", "deno", "node"].includes(getRuntime()));
    return;
  }
  assert.equal(getRuntime(), expected);
});

test("runtime adapter opens a real SQLite file", async () => {
  const adapter = await loadAdapter();
  assert.equal(adapter.name, getRuntime());

  const dir = makeTempDir();
  try {
    const handle = await openDatabase(join(dir.path, "plain.db"));
    const result = await sql<{ version: string }>`select sqlite_version() as version`.execute(handle.db);
    assert.match(result.rows[0]!.version, /^3\.\d+\.\d+$/);

    // data_version changes when another connection commits, not on our own writes.
    const other = await openDatabase(join(dir.path, "plain.db"));
    await sql`create table t (x integer)`.execute(handle.db);
    const before = handle.dataVersion();
    await sql`insert into t values (1)`.execute(handle.db);
    assert.equal(handle.dataVersion(), before);
    await sql`insert into t values (2)`.execute(other.db);
    assert.notEqual(handle.dataVersion(), before);
    await other.close();
    await handle.close();
  } finally {
    dir.cleanup();
  }
});
