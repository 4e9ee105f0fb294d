import assert from "node:assert/strict";
import { chmodSync, openSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { start, stop } from "../mod.ts";
import { sql } from "kysely";
import { killAll, makeTempDir, openDatabase, prepareDatabase, shellPrefix, startDriver } from "./helpers.ts";

const TIMEOUT = { timeout: 120_000 };

// These tests need root: one mounts a 1 MiB tmpfs in a private mount namespace (so
// the disk really fills), the other runs the app as the unprivileged user nobody.

test("full disk makes enqueued reject", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const prefix = ["unshare", "--mount", "--propagation", "private", ...shellPrefix(`mount -t tmpfs -o size=1m tmpfs ${dir.path}`)];
  const app = await startDriver(database, { prefix });
  try {
    await app.request({ cmd: "start", options: { workers: 0 } });
    const big = "x".repeat(60_000);
    const outcomes: Array<{ id: string; error?: string }> = [];
    for (let index = 0; index < 30; index++) {
      const { id } = await app.request({ cmd: "delay", task: "append", args: ["/dev/null", big] });
      const reply = await app.request({ cmd: "enqueued", id, expectError: true });
      outcomes.push({ id: id as string, error: (reply.error as { message: string } | undefined)?.message });
    }

    const stored = outcomes.filter((outcome) => outcome.error === undefined);
    const failed = outcomes.filter((outcome) => outcome.error !== undefined);
    assert.ok(stored.length > 0, "some tasks fit");
    assert.ok(failed.length > 0, "the disk filled up");
    for (const { id, error } of failed) {
      assert.match(error!, new RegExp(`task ${id} \\(append\\) was not stored: the disk or the database is full; free disk space`));
    }
    for (const { id } of stored) {
      assert.equal((await app.request({ cmd: "status", id })).status, "waiting");
    }
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("read-only database fails start and held calls", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  await prepareDatabase(database, {});
  // nobody may read the directory and the file, but not write them.
  chmodSync(dir.path, 0o755);
  chmodSync(database, 0o644);
  const prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
  const app = await startDriver(database, { prefix, env: { DENO_DIR: join(dir.path, "deno-cache") } });
  try {
    const held = await app.request({ cmd: "delay", task: "echo", args: ["held"] });
    const started = await app.request({ cmd: "start", options: { workers: 1 }, expectError: true });
    assert.match((started.error as { message: string }).message, /queue\.db is read-only .*; autocron must write to it and to its -wal and -shm files/);
    const enqueued = await app.request({ cmd: "enqueued", id: held.id, expectError: true });
    assert.match((enqueued.error as { message: string }).message, /was not stored: start\(\) failed: .*read-only/);
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("corrupt database is a clear error at start", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  try {
    await prepareDatabase(database, {});
    // Keep the 100-byte header, so the file still looks like SQLite, and overwrite the
    // schema table that follows it.
    const file = openSync(database, "r+");
    writeSync(file, Buffer.alloc(3_000, 0xab), 0, 3_000, 100);
    closeSync(file);

    await assert.rejects(start(database, { tasks: [] }), (error: Error) => {
      assert.match(error.message, /queue\.db is corrupt \(database disk image is malformed\)/);
      assert.match(error.message, /restore it from a backup, or delete it/);
      return true;
    });
  } finally {
    await stop();
    dir.cleanup();
  }
});

test("enqueue outlasts a lock held past the busy timeout", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 0 } });

    // Another process holds the write lock for longer than SQLite's busy timeout
    // (5 s), so only autocron's own retries can store the call.
    const holder = await openDatabase(database);
    await sql`BEGIN IMMEDIATE`.execute(holder.db);
    const { id } = await app.request({ cmd: "delay", task: "echo", args: ["patient"] });
    const stored = app.request({ cmd: "enqueued", id }, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    await sql`ROLLBACK`.execute(holder.db);
    await holder.close();

    await stored;
    assert.equal((await app.request({ cmd: "status", id })).status, "waiting");
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});
