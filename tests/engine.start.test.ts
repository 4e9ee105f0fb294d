import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { start, stop } from "../mod.ts";
import { makeTempDir } from "./helpers.ts";

// These calls fail before any worker starts, so they run in the test process.

test("start rejects a missing directory", async () => {
  const dir = makeTempDir();
  try {
    const database = join(dir.path, "missing", "queue.db");
    await assert.rejects(start(database), (error: Error) => {
      assert.match(error.message, /directory .*missing of database .*queue\.db does not exist/);
      assert.match(error.message, /create it first/);
      return true;
    });
  } finally {
    await stop();
    dir.cleanup();
  }
});

test("start rejects a file that is not SQLite", async () => {
  const dir = makeTempDir();
  try {
    const database = join(dir.path, "notes.txt");
    writeFileSync(database, "these are not the tables you are looking for\n".repeat(100));
    await assert.rejects(start(database, { tasks: [] }), (error: Error) => {
      assert.match(error.message, /notes\.txt is not an SQLite database/);
      return true;
    });
  } finally {
    await stop();
    dir.cleanup();
  }
});

test("start rejects bad options naming the value", async () => {
  const cases: Array<[unknown, RegExp, ErrorConstructor]> = [
    [{ workers: -1 }, /maxWorkers must be from 0 to 256, got -1/, RangeError],
    [{ workers: "2" }, /maxWorkers must be a whole number, got "2"/, TypeError],
    [{ isolation: "fiber" }, /isolation must be "process" or "thread", got "fiber"/, TypeError],
    [{ tasks: "./tasks.ts" }, /tasks must be an array of module URLs/, TypeError],
    [{ tasks: ["./tasks.ts"] }, /task module "\.\/tasks\.ts" is a relative path/, TypeError],
    [{ logger: ["loud"] }, /logger must be a list of levels/, TypeError],
    [{ shutdownTimeoutMs: -5 }, /shutdownTimeoutMs must be a number of ms >= 0, got -5/, RangeError],
    [{ worker: 2 }, /unknown option "worker"/, TypeError],
  ];
  const dir = makeTempDir();
  try {
    for (const [options, pattern, type] of cases) {
      await assert.rejects(start(join(dir.path, "queue.db"), options as never), (error: Error) => {
        assert.ok(error instanceof type, `${JSON.stringify(options)} gave ${error.name}`);
        assert.match(error.message, pattern);
        return true;
      });
      await stop();
    }
  } finally {
    dir.cleanup();
  }
});

test("start rejects databases it cannot use", async () => {
  await assert.rejects(start(""), TypeError);
  await assert.rejects(start(42 as never), /database must be a file name, a path, a file URL or a postgres:\/\/ URL, got 42/);
  await assert.rejects(start(":memory:"), /in-memory database cannot be shared/);
  await assert.rejects(start("postgres://localhost/app"), /PostgreSQL is not supported yet/);
  await stop();
});

test("stop rejects bad options", async () => {
  await assert.rejects(stop({ timeoutMs: -1 }), RangeError);
  await assert.rejects(stop(null as never), TypeError);
});
