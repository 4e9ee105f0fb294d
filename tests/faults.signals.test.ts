import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { killAll, makeTempDir, openDatabase, readLines, readWorkers, startDriver, waitUntil, withTimeout } from "./helpers.ts";

const TIMEOUT = { timeout: 120_000 };

// Signals are sent with process.kill(pid) rather than child.kill(): Deno 2.9's
// child_process reports a child it signalled itself as killed by that signal, even
// when the child exited on its own.

async function readQueueStatus(database: string, id: string): Promise<string | undefined> {
  const handle = await openDatabase(database);
  try {
    const queued = await handle.db.selectFrom("autocron_tasks").select("status").where("id", "=", id).executeTakeFirst();
    if (queued) return queued.status;
    const result = await handle.db.selectFrom("autocron_results").select("status").where("id", "=", id).executeTakeFirst();
    return result?.status;
  } finally {
    await handle.close();
  }
}

test("SIGTERM lets the running task finish, then ends the app", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    const { id } = await app.request({ cmd: "delay", task: "slowRecord", args: [1_500, output, "graceful"] });
    await waitUntil(() => readLines(output).length > 0, 60_000, "the task to start");
    const workers = await readWorkers(database);

    process.kill(app.pid, "SIGTERM");
    const exit = await withTimeout(app.exited, 30_000, "the app did not end after SIGTERM");
    // The app has no SIGTERM listener of its own, so autocron re-raised the signal.
    assert.equal(exit.signal, "SIGTERM");
    assert.ok(readLines(output).includes("done graceful"), "the running task finished");
    assert.equal(await readQueueStatus(database, id as string), "ready");
    assert.equal(workers.length, 1);
    assert.deepEqual(await readWorkers(database), []);
    assert.match(app.stderr.join(""), /received SIGTERM: stopping autocron; running tasks have 10000 ms to finish/);
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("SIGTERM kills tasks past the shutdown timeout", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  const first = await startDriver(database);
  let second;
  try {
    await first.request({ cmd: "start", options: { workers: 1, shutdownTimeoutMs: 300 } });
    const { id } = await first.request({ cmd: "delay", task: "slowRecord", args: [5_000, output, "cut short"] });
    await waitUntil(() => readLines(output).length > 0, 60_000, "the task to start");

    process.kill(first.pid, "SIGTERM");
    await withTimeout(first.exited, 30_000, "the app did not end after SIGTERM");
    assert.equal(readLines(output).includes("done cut short"), false);
    assert.equal(await readQueueStatus(database, id as string), "waiting");

    second = await startDriver(database);
    await second.request({ cmd: "start", options: { workers: 1 } });
    await waitUntil(() => readLines(output).includes("done cut short"), 60_000, "the task to run again");
    await second.request({ cmd: "stop" });
    assert.equal(readLines(output).filter((line) => line === "done cut short").length, 1);
  } finally {
    await killAll(first, second);
    dir.cleanup();
  }
});

test("second signal forces the exit", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1, shutdownTimeoutMs: 60_000 } });
    const { id } = await app.request({ cmd: "delay", task: "slowRecord", args: [30_000, output, "interrupted"] });
    await waitUntil(() => readLines(output).length > 0, 60_000, "the task to start");

    process.kill(app.pid, "SIGINT");
    await waitUntil(() => app.stderr.join("").includes("received SIGINT"), 30_000, "the first signal to be handled");
    process.kill(app.pid, "SIGINT");
    const exit = await withTimeout(app.exited, 20_000, "the app did not exit after a second SIGINT");
    assert.equal(exit.code, 130);
    assert.equal(await readQueueStatus(database, id as string), "waiting", "the killed task went back to the queue");
    assert.match(app.stderr.join(""), /received SIGINT again: killing the workers and exiting now/);
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("signal listeners are removed by stop", TIMEOUT, async () => {
  const dir = makeTempDir();
  const app = await startDriver(join(dir.path, "queue.db"));
  try {
    const before = await app.request({ cmd: "listeners" });
    await app.request({ cmd: "start", options: { workers: 1 } });
    const running = await app.request({ cmd: "listeners" });
    assert.equal(running.SIGTERM, (before.SIGTERM as number) + 1);
    assert.equal(running.SIGINT, (before.SIGINT as number) + 1);
    await app.request({ cmd: "stop" });
    const after = await app.request({ cmd: "listeners" });
    assert.deepEqual({ SIGINT: after.SIGINT, SIGTERM: after.SIGTERM }, { SIGINT: before.SIGINT, SIGTERM: before.SIGTERM });

    await app.request({ cmd: "start", options: { workers: 0, handleSignals: false } });
    const unhandled = await app.request({ cmd: "listeners" });
    assert.deepEqual({ SIGINT: unhandled.SIGINT, SIGTERM: unhandled.SIGTERM }, { SIGINT: before.SIGINT, SIGTERM: before.SIGTERM });
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});
