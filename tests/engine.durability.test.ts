import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import {
  isAlive,
  killAll,
  makeTempDir,
  openDatabase,
  prepareDatabase,
  readLines,
  readWorkers,
  startDriver,
  waitUntil,
} from "./helpers.ts";

const TIMEOUT = { timeout: 120_000 };

test("waiting tasks survive stop and run after restart", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  const first = await startDriver(database);
  let second;
  try {
    // No workers: the tasks can only wait.
    await first.request({ cmd: "start", options: { workers: 0 } });
    const { ids } = await first.request({ cmd: "delay", task: "append", args: [output, "kept"], count: 5 });
    await first.request({ cmd: "enqueued", id: (ids as string[])[4] });
    await first.request({ cmd: "stop" });
    await killAll(first);
    assert.deepEqual(readLines(output), []);

    second = await startDriver(database);
    await second.request({ cmd: "start", options: { workers: 1 } });
    await waitUntil(() => readLines(output).length === 5, 60_000, "five lines after the restart");
    await second.request({ cmd: "stop" });
    assert.deepEqual(readLines(output), ["kept", "kept", "kept", "kept", "kept"]);
  } finally {
    await killAll(first, second);
    dir.cleanup();
  }
});

test("stored tasks survive a SIGKILL of the app", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  const first = await startDriver(database);
  let second;
  try {
    await first.request({ cmd: "start", options: { workers: 0 } });
    const lines = Array.from({ length: 20 }, (_, index) => `line-${index}`);
    let lastId = "";
    for (const line of lines) {
      lastId = (await first.request({ cmd: "delay", task: "append", args: [output, line] })).id as string;
    }
    await first.request({ cmd: "enqueued", id: lastId });
    await first.kill("SIGKILL");

    second = await startDriver(database);
    await second.request({ cmd: "start", options: { workers: 2 } });
    await waitUntil(() => readLines(output).length >= 20, 60_000, "all twenty lines");
    await second.request({ cmd: "stop" });
    assert.deepEqual(readLines(output).sort(), [...lines].sort());
  } finally {
    await killAll(first, second);
    dir.cleanup();
  }
});

test("workers exit within 5 s of a SIGKILL of the app", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 2 } });
    const workers = await waitUntil(async () => {
      const rows = await readWorkers(database);
      return rows.length === 2 && rows.every((row) => isAlive(row.pid)) && rows;
    }, 60_000, "two running workers");

    await app.kill("SIGKILL");
    const killedAt = Date.now();
    await waitUntil(() => workers.every((worker) => !isAlive(worker.pid)), 5_000, "the workers to exit");
    assert.ok(Date.now() - killedAt <= 5_000);
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("task running at a SIGKILL of the app runs again after restart", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  await prepareDatabase(database, { monitorIdleMs: 200 });
  const first = await startDriver(database);
  let second;
  try {
    await first.request({ cmd: "start", options: { workers: 1 } });
    await first.request({ cmd: "delay", task: "sleepThenAppend", args: [6_000, output, "slow"] });
    await waitUntil(() => readLines(output).some((line) => line.startsWith("start slow")), 60_000, "the slow task to start");
    await first.kill("SIGKILL");

    second = await startDriver(database);
    await second.request({ cmd: "start", options: { workers: 1 } });
    await waitUntil(() => readLines(output).includes("slow"), 60_000, "the slow task to finish");
    await second.request({ cmd: "stop" });

    const lines = readLines(output);
    assert.equal(lines.filter((line) => line === "slow").length, 1);
    assert.equal(lines.filter((line) => line.startsWith("start slow")).length, 2);

    const handle = await openDatabase(database);
    const result = await handle.db.selectFrom("autocron_results").select(["status", "attempt_log"]).executeTakeFirstOrThrow();
    await handle.close();
    assert.equal(result.status, "ready");
    assert.match(result.attempt_log, /exited while the task ran|lease expired/);
  } finally {
    await killAll(first, second);
    dir.cleanup();
  }
});
