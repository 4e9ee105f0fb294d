import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { decode } from "../src/codec.ts";
import {
  isAlive,
  killAll,
  makeTempDir,
  openDatabase,
  prepareDatabase,
  readWorkers,
  startDriver,
  waitUntil,
  withTimeout,
} from "./helpers.ts";

const TIMEOUT = { timeout: 90_000 };

test("start keeps a bare file name in ~/.autocron", TIMEOUT, async () => {
  const home = makeTempDir();
  const app = await startDriver("bare.db", { env: { HOME: home.path } });
  try {
    const started = await app.request({ cmd: "start", options: { workers: 0 } });
    assert.equal(started.result, true);
    assert.ok(existsSync(join(home.path, ".autocron", "bare.db")));
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    home.cleanup();
  }
});

test("start fails without task modules when tasks are defined", TIMEOUT, async () => {
  const dir = makeTempDir();
  const app = await startDriver(join(dir.path, "queue.db"));
  try {
    const reply = await app.request({ cmd: "start", options: { tasks: [] }, expectError: true });
    const error = reply.error as { name: string; message: string };
    assert.equal(error.name, "TypeError");
    assert.match(error.message, /tasks are defined \(.*echo.*\), but no task modules were given/);
    assert.match(error.message, /new URL\("\.\/tasks\.ts", import\.meta\.url\)/);
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("start twice returns the same answer", TIMEOUT, async () => {
  const dir = makeTempDir();
  const app = await startDriver(join(dir.path, "queue.db"));
  try {
    const first = await app.request({ cmd: "start", options: { workers: 0 } });
    const second = await app.request({ cmd: "start", options: { workers: 0 } });
    assert.equal(first.result, true);
    assert.equal(second.result, true);

    const other = await app.request({ cmd: "start", database: join(dir.path, "other.db"), expectError: true });
    assert.match(
      (other.error as { message: string }).message,
      /already started with database .*queue\.db; call stop\(\) before starting with .*other\.db/,
    );
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("calls made before start are stored when it runs", TIMEOUT, async () => {
  const dir = makeTempDir();
  const app = await startDriver(join(dir.path, "queue.db"));
  try {
    const { id } = await app.request({ cmd: "delay", task: "echo", args: ["early"] });
    const before = await app.request({ cmd: "status", id });
    assert.equal(before.status, "waiting");

    await app.request({ cmd: "start", options: { workers: 1 } });
    const reply = await app.request({ cmd: "wait", id, timeoutMs: 60_000 });
    assert.equal((decode(reply.value as string) as { value: string }).value, "early");
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("stop leaves no process, timer or listener behind", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 2 } });
    const workers = await waitUntil(async () => {
      const rows = await readWorkers(database);
      return rows.length === 2 && rows;
    }, 60_000, "two workers");

    await app.request({ cmd: "stop" });
    for (const worker of workers) {
      assert.equal(isAlive(worker.pid), false, `worker ${worker.pid} still runs after stop()`);
    }
    assert.deepEqual(await readWorkers(database), []);

    // With stdin released, only something autocron left behind could keep the
    // process alive; it must end by itself.
    await app.request({ cmd: "release" });
    const exit = await withTimeout(app.exited, 20_000, "the app did not exit by itself after stop()");
    assert.equal(exit.code, 0);
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("disabled setting runs calls inline", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  await prepareDatabase(database, { disabled: true });
  const app = await startDriver(database);
  try {
    const early = await app.request({ cmd: "delay", task: "echo", args: ["before start"] });
    const started = await app.request({ cmd: "start", options: { workers: 2 } });
    assert.equal(started.result, false);

    const late = await app.request({ cmd: "delay", task: "echo", args: ["after start"] });
    for (const { id } of [early, late]) {
      const status = await app.request({ cmd: "status", id });
      assert.equal(status.status, "ready");
      const reply = await app.request({ cmd: "wait", id });
      assert.equal((decode(reply.value as string) as { pid: number }).pid, app.pid);
    }

    const failed = await app.request({ cmd: "delay", task: "fail", args: ["inline failure"] });
    assert.equal((await app.request({ cmd: "status", id: failed.id })).status, "error");
    const error = (await app.request({ cmd: "wait", id: failed.id })).taskError as { name: string; message: string };
    assert.equal(error.name, "TypeError");
    assert.equal(error.message, "inline failure");

    assert.deepEqual(await readWorkers(database), []);
    const handle = await openDatabase(database);
    const queued = await handle.db.selectFrom("autocron_tasks").select("id").execute();
    await handle.close();
    assert.deepEqual(queued, []);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("results expire after resultTtlSeconds", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  await prepareDatabase(database, { resultTtlSeconds: 1, monitorIdleMs: 100 });
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    const { id } = await app.request({ cmd: "delay", task: "echo", args: ["short-lived"] });
    await app.request({ cmd: "wait", id, timeoutMs: 60_000 });

    await waitUntil(async () => (await app.request({ cmd: "status", id })).status === "unavailable", 30_000, "the result to expire");
    const handle = await openDatabase(database);
    const rows = await waitUntil(async () => {
      const remaining = await handle.db.selectFrom("autocron_results").select("id").execute();
      return remaining.length === 0 && remaining;
    }, 30_000, "the expired result to be deleted");
    await handle.close();
    assert.deepEqual(rows, []);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("getResult reads a task from another process", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const first = await startDriver(database);
  const second = await startDriver(database);
  try {
    assert.equal((await first.request({ cmd: "start", options: { workers: 1 } })).result, true);
    assert.equal((await second.request({ cmd: "start", options: {} })).result, false);

    const { id } = await first.request({ cmd: "delay", task: "echo", args: ["shared"] });
    await first.request({ cmd: "enqueued", id });
    const reply = await second.request({ cmd: "wait", id, timeoutMs: 60_000 });
    assert.equal((decode(reply.value as string) as { value: string }).value, "shared");

    const unknown = await second.request({ cmd: "status", id: "00000000-0000-7000-8000-000000000000" });
    assert.equal(unknown.status, "unavailable");
    await second.request({ cmd: "stop" });
    await first.request({ cmd: "stop" });
  } finally {
    await killAll(first, second);
    dir.cleanup();
  }
});

test("start uses maxWorkers from the database", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  await prepareDatabase(database, { maxWorkers: 3 });
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: {} });
    const workers = await waitUntil(async () => {
      const rows = await readWorkers(database);
      return rows.length === 3 && rows;
    }, 60_000, "three workers");
    assert.equal(new Set(workers.map((worker) => worker.pid)).size, 3);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("deno worker gets no more permissions than the app", TIMEOUT, async () => {
  // Runs the app on Deno whatever runtime runs this test, since permissions exist only there.
  const dir = makeTempDir();
  const other = makeTempDir();
  const database = join(dir.path, "queue.db");
  const app = await startDriver(database, {
    runtime: "deno",
    denoFlags: ["--allow-read", `--allow-write=${dir.path}`, "--allow-env", "--allow-sys", "--allow-run"],
  });
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    const { id } = await app.request({ cmd: "delay", task: "denoPermissions", args: [dir.path, other.path] });
    const reply = await app.request({ cmd: "wait", id, timeoutMs: 60_000 });
    const states = decode(reply.value as string) as Record<string, string>;
    assert.equal(states.read, "granted");
    assert.notEqual(states.net, "granted");
    assert.equal(states.writeDatabaseDirectory, "granted");
    assert.notEqual(states.writeElsewhere, "granted");
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
    other.cleanup();
  }
});

test("start fails cleanly when workers cannot start", TIMEOUT, async () => {
  // Deno needs --allow-run to start worker processes; the error must say so, and
  // the failed start must leave nothing running.
  const dir = makeTempDir();
  const app = await startDriver(join(dir.path, "queue.db"), {
    runtime: "deno",
    denoFlags: ["--allow-read", "--allow-write", "--allow-env", "--allow-sys"],
  });
  try {
    const reply = await app.request({ cmd: "start", options: { workers: 1 }, expectError: true });
    const error = reply.error as { message: string };
    assert.match(error.message, /could not start a worker: .*needs --allow-run; run the app with --allow-run, or pass isolation: "thread"/);

    // Nothing of the failed start() may keep the process alive or fire later.
    await app.request({ cmd: "release" });
    const exit = await withTimeout(app.exited, 20_000, "the app did not exit after the failed start()");
    assert.equal(exit.code, 0);
    assert.deepEqual(app.stderr, []);
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});
