import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { RuntimeName } from "../src/adapter.ts";
import { decode, encode } from "../src/codec.ts";
import { makeSample } from "./fixtures/sample.ts";
import { killAll, makeTempDir, openDatabase, RUNTIME, startDriver } from "./helpers.ts";

const TIMEOUT = { timeout: 120_000 };

/** Enqueues the sample under one runtime and runs it on a worker of another. */
async function roundTripBetween(enqueuer: RuntimeName, runner: RuntimeName): Promise<void> {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const producer = await startDriver(database, { runtime: enqueuer });
  let consumer;
  try {
    await producer.request({ cmd: "start", options: { workers: 0 } });
    const { id } = await producer.request({ cmd: "delay", task: "checkSample", encodedArgs: encode([makeSample()], "args") });
    await producer.request({ cmd: "enqueued", id });
    await producer.request({ cmd: "stop" });

    consumer = await startDriver(database, { runtime: runner });
    await consumer.request({ cmd: "start", options: { workers: 1 } });
    const reply = await consumer.request({ cmd: "wait", id, timeoutMs: 60_000 });
    const result = decode(reply.value as string) as { equal: boolean; sample: unknown; runtime: string };
    assert.equal(result.runtime, runner);
    assert.equal(result.equal, true, `the ${runner} worker received other arguments than ${enqueuer} sent`);
    assert.deepStrictEqual(result.sample, makeSample());
    await consumer.request({ cmd: "stop" });
  } finally {
    await killAll(producer, consumer);
    dir.cleanup();
  }
}

// Each runtime's run pairs it with the next one, so the three runs cover every pair.
const NEXT_RUNTIME: Record<RuntimeName, RuntimeName> = { node: "bun", bun: "deno", deno: "node" };
const OTHER_RUNTIME = NEXT_RUNTIME[RUNTIME];

test(`data enqueued on ${OTHER_RUNTIME} runs on ${RUNTIME}`, TIMEOUT, async () => {
  await roundTripBetween(OTHER_RUNTIME, RUNTIME);
});

test(`data enqueued on ${RUNTIME} runs on ${OTHER_RUNTIME}`, TIMEOUT, async () => {
  await roundTripBetween(RUNTIME, OTHER_RUNTIME);
});

test("task errors keep their name and message", TIMEOUT, async () => {
  const dir = makeTempDir();
  const app = await startDriver(join(dir.path, "queue.db"));
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    const failed = await app.request({ cmd: "delay", task: "fail", args: ["bad input: 42"] });
    const reply = await app.request({ cmd: "wait", id: failed.id, timeoutMs: 60_000 });
    const error = reply.taskError as { name: string; message: string; taskId: string };
    assert.equal(error.name, "TypeError");
    assert.equal(error.message, "bad input: 42");
    assert.equal(error.taskId, failed.id);
    assert.equal((await app.request({ cmd: "status", id: failed.id })).status, "error");

    const unstorable = await app.request({ cmd: "delay", task: "returnFunction", args: [] });
    const unstorableReply = await app.request({ cmd: "wait", id: unstorable.id, timeoutMs: 60_000 });
    const unstorableError = unstorableReply.taskError as { name: string; message: string };
    assert.match(unstorableError.message, /cannot store the result of task "returnFunction" at \.callback: it is a function/);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("unknown task ends in error without blocking others", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });

    // A task stored by an older deploy that defined a task this code no longer has.
    const handle = await openDatabase(database);
    await handle.db.insertInto("autocron_tasks").values({
      id: "00000000-0000-7000-8000-000000000001",
      name: "removedInDeploy",
      kind: "delay",
      args: "[]",
      status: "waiting",
      due_at: Date.now(),
      created_at: Date.now(),
    }).execute();
    await handle.close();

    const ghost = await app.request({ cmd: "wait", id: "00000000-0000-7000-8000-000000000001", timeoutMs: 60_000 });
    const error = ghost.taskError as { name: string; message: string };
    assert.equal(error.name, "UnknownTaskError");
    assert.match(error.message, /no task named "removedInDeploy"/);
    assert.match(error.message, /tasks\.ts/);

    const { id } = await app.request({ cmd: "delay", task: "echo", args: ["next"] });
    const reply = await app.request({ cmd: "wait", id, timeoutMs: 60_000 });
    assert.equal((decode(reply.value as string) as { value: string }).value, "next");
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("task can enqueue another task", TIMEOUT, async () => {
  const dir = makeTempDir();
  const app = await startDriver(join(dir.path, "queue.db"));
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    const outer = await app.request({ cmd: "delay", task: "enqueueFromWorker", args: ["inner value"] });
    const innerId = decode((await app.request({ cmd: "wait", id: outer.id, timeoutMs: 60_000 })).value as string);
    const inner = await app.request({ cmd: "wait", id: innerId, timeoutMs: 60_000 });
    assert.equal((decode(inner.value as string) as { value: string }).value, "inner value");
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});
