import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { decode } from "../src/codec.ts";
import { type FixtureOptions, RUNTIME, shellPrefix } from "./helpers.ts";
import { killAll, makeTempDir, openDatabase, prepareDatabase, readLines, readWorkers, startDriver, waitUntil } from "./helpers.ts";

const TIMEOUT = { timeout: 180_000 };

const MEMORY_LIMITS: Record<typeof RUNTIME, FixtureOptions> = {
  node: { env: { NODE_OPTIONS: "--max-old-space-size=256" } },
  deno: { env: { DENO_V8_FLAGS: "--max-old-space-size=256" } },
  bun: { prefix: shellPrefix("ulimit -v 6000000") },
};

interface TaskErrorReply {
  name: string;
  message: string;
}

async function readResultRow(database: string, id: string) {
  const handle = await openDatabase(database);
  try {
    return await handle.db.selectFrom("autocron_results").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  } finally {
    await handle.close();
  }
}

test("failing tasks end in clear errors and the pool recovers", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  await prepareDatabase(database, { monitorIdleMs: 200 });
  // Memory limits make the memory-hungry task fail in seconds instead of filling the
  // machine, and every process of the app inherits them. Node and Deno get a V8 heap
  // limit through environment variables. Bun's engine has no heap limit flag, so it
  // gets a virtual memory limit, which Node and Deno outgrow at start-up for WebAssembly.
  const app = await startDriver(database, MEMORY_LIMITS[RUNTIME]);
  try {
    await app.request({ cmd: "start", options: { workers: 2 } });
    const cases: Array<[string, unknown[], (error: TaskErrorReply) => void]> = [
      ["fail", ["thrown"], (error) => {
        assert.equal(error.name, "TypeError");
        assert.equal(error.message, "thrown");
      }],
      ["rejectLater", ["rejected"], (error) => {
        assert.equal(error.name, "RangeError");
        assert.equal(error.message, "rejected");
      }],
      ["hangForever", [], (error) => {
        assert.equal(error.name, "TimeoutError");
        assert.match(error.message, /timed out after 500 ms/);
      }],
      ["spinForever", [], (error) => {
        assert.equal(error.name, "TimeoutError");
        assert.match(error.message, /timed out after 500 ms/);
      }],
      ["exitProcess", [], (error) => {
        assert.equal(error.name, "WorkerInterruptedError");
        assert.match(error.message, /exited with code 3 while running the task; the task was interrupted 3 times/);
      }],
      ["exhaustMemory", [], (error) => {
        // Bun throws a RangeError inside the task; Node and Deno crash the worker.
        if (RUNTIME === "bun") {
          assert.equal(error.name, "RangeError");
          assert.match(error.message, /out of memory/i);
        } else {
          assert.equal(error.name, "WorkerInterruptedError");
          assert.match(error.message, /interrupted 3 times/);
        }
      }],
      ["returnFunction", [], (error) => {
        assert.equal(error.name, "EncodeError");
        assert.match(error.message, /cannot store the result of task "returnFunction"/);
      }],
    ];

    for (const [task, args, check] of cases) {
      const { id } = await app.request({ cmd: "delay", task, args });
      const reply = await app.request({ cmd: "wait", id, timeoutMs: 120_000 }, 130_000);
      assert.ok(reply.taskError, `${task} did not fail: ${JSON.stringify(reply)}`);
      check(reply.taskError as TaskErrorReply);
      assert.equal((await app.request({ cmd: "status", id })).status, "error", task);
    }

    const { id } = await app.request({ cmd: "delay", task: "echo", args: ["after the failures"] });
    const reply = await app.request({ cmd: "wait", id, timeoutMs: 60_000 });
    assert.equal((decode(reply.value as string) as { value: string }).value, "after the failures");
    await waitUntil(async () => (await readWorkers(database)).length === 2, 60_000, "a full pool again");
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("thread worker is terminated at its timeout", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  await prepareDatabase(database, { monitorIdleMs: 200 });
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1, isolation: "thread" } });
    const spin = await app.request({ cmd: "delay", task: "spinForever", args: [] });
    const reply = await app.request({ cmd: "wait", id: spin.id, timeoutMs: 60_000 });
    assert.equal((reply.taskError as TaskErrorReply).name, "TimeoutError");

    const { id } = await app.request({ cmd: "delay", task: "echo", args: ["next"] });
    const next = await app.request({ cmd: "wait", id, timeoutMs: 60_000 });
    assert.equal((decode(next.value as string) as { pid: number }).pid, app.pid);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("retries record every attempt", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const attempts = join(dir.path, "attempts.txt");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    const flaky = await app.request({ cmd: "delay", task: "failTwice", args: [attempts] });
    const reply = await app.request({ cmd: "wait", id: flaky.id, timeoutMs: 60_000 });
    assert.equal(decode(reply.value as string), 3);
    const succeeded = await readResultRow(database, flaky.id as string);
    assert.equal(succeeded.attempts, 3);
    const log = JSON.parse(succeeded.attempt_log) as Array<{ attempt: number; at: number; error: { message: string } }>;
    assert.deepEqual(log.map((entry) => entry.attempt), [1, 2]);
    assert.deepEqual(log.map((entry) => entry.error.message), ["attempt 1 fails", "attempt 2 fails"]);
    assert.ok(log[1]!.at - log[0]!.at >= 50, "the fixed backoff of 50 ms separates the attempts");

    const doomed = await app.request({ cmd: "delay", task: "alwaysFail", args: [] });
    const failed = await app.request({ cmd: "wait", id: doomed.id, timeoutMs: 60_000 });
    assert.equal((failed.taskError as TaskErrorReply).message, "always fails");
    const row = await readResultRow(database, doomed.id as string);
    assert.equal(row.status, "error");
    assert.equal(row.attempts, 3);
    const stored = JSON.parse(row.error!) as { message: string; stack: string };
    assert.equal(stored.message, "always fails");
    assert.match(stored.stack, /alwaysFail/);
    assert.equal((JSON.parse(row.attempt_log) as unknown[]).length, 3);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("long task keeps its lease and runs once", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  // Leases last five ticks of 100 ms: the task runs six times as long.
  await prepareDatabase(database, { monitorIdleMs: 100 });
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 2 } });
    const { id } = await app.request({ cmd: "delay", task: "slowRecord", args: [3_000, output, "long"] });
    await app.request({ cmd: "wait", id, timeoutMs: 60_000 });
    assert.deepEqual(readLines(output).filter((line) => line.startsWith("start")).length, 1);
    assert.deepEqual(readLines(output).filter((line) => line.startsWith("done")), ["done long"]);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("logger function receives worker events", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  await prepareDatabase(database, { monitorIdleMs: 100 });
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1, logger: "collect" } });
    const { id } = await app.request({ cmd: "delay", task: "failWithSecret", args: ["hunter2"] });
    await app.request({ cmd: "wait", id, timeoutMs: 60_000 });

    const events = await waitUntil(async () => {
      const logged = (await app.request({ cmd: "events" })).events as Array<Record<string, unknown>>;
      return logged.some((event) => event.taskId === id) && logged;
    }, 30_000, "the task failure to reach the logger function");
    const failure = events.find((event) => event.taskId === id)!;
    assert.equal(failure.level, "error");
    assert.equal(failure.task, "failWithSecret");
    assert.equal(failure.attempt, 1);
    assert.equal(failure.maxAttempts, 1);
    assert.equal(typeof failure.durationMs, "number");
    assert.equal(typeof failure.workerId, "string");
    assert.match(String(failure.message), /task .* \(failWithSecret\) failed after [\d.]+ms, attempt 1 of 1: Error: failed without/);
    assert.ok(!JSON.stringify(events).includes("hunter2"), "arguments are never logged");
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});
