import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { decode } from "../src/codec.ts";
import { killAll, makeTempDir, openDatabase, prepareDatabase, readWorkers, startDriver, waitUntil } from "./helpers.ts";

const TIMEOUT = { timeout: 120_000 };

// With an idle time of an hour, a worker that slept its full idle time would never
// pick up the tasks below within the tests' bounds: only wake-ups can make them pass.
const AN_HOUR_MS = 3_600_000;

/** Waits until the workers are past their first look at the queue and asleep. */
async function waitForIdleWorkers(database: string, count: number): Promise<void> {
  await waitUntil(async () => (await readWorkers(database)).length === count, 60_000, `${count} workers`);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
}

test("worker wakes for an enqueue by its own process", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  await prepareDatabase(database, { workerIdleMs: AN_HOUR_MS });
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    await waitForIdleWorkers(database, 1);

    const { id } = await app.request({ cmd: "delay", task: "echo", args: ["woken"] });
    const reply = await app.request({ cmd: "wait", id, timeoutMs: 30_000 });
    assert.equal((decode(reply.value as string) as { value: string }).value, "woken");
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("worker wakes for an enqueue by another process", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  await prepareDatabase(database, { workerIdleMs: AN_HOUR_MS });
  const supervisor = await startDriver(database);
  const other = await startDriver(database);
  try {
    assert.equal((await supervisor.request({ cmd: "start", options: { workers: 1 } })).result, true);
    assert.equal((await other.request({ cmd: "start", options: {} })).result, false);
    await waitForIdleWorkers(database, 1);

    const { id } = await other.request({ cmd: "delay", task: "echo", args: ["from elsewhere"] });
    const reply = await other.request({ cmd: "wait", id, timeoutMs: 30_000 });
    assert.equal((decode(reply.value as string) as { value: string }).value, "from elsewhere");
    await other.request({ cmd: "stop" });
    await supervisor.request({ cmd: "stop" });
  } finally {
    await killAll(supervisor, other);
    dir.cleanup();
  }
});

test("idle worker sleeps until the next due time", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  await prepareDatabase(database, { workerIdleMs: AN_HOUR_MS });
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    await waitForIdleWorkers(database, 1);

    // appendLater is due two seconds after the call; nothing wakes the worker then.
    const { id } = await app.request({ cmd: "delay", task: "appendLater", args: [output, "later"] });
    await app.request({ cmd: "enqueued", id });
    const handle = await openDatabase(database);
    const { due_at: dueAt } = await handle.db.selectFrom("autocron_tasks").select("due_at").where("id", "=", id as string).executeTakeFirstOrThrow();
    await handle.close();

    const reply = await app.request({ cmd: "wait", id, timeoutMs: 30_000 });
    const ranAt = decode(reply.value as string) as number;
    assert.ok(ranAt >= dueAt, `ran at ${ranAt}, before its due time ${dueAt}`);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});
