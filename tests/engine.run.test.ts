import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { decode } from "../src/codec.ts";
import { makeTempDir, readLines, RUNTIME, startFixture, waitUntil } from "./helpers.ts";

test("delayed call runs in a worker process", { timeout: 60_000 }, async () => {
  const dir = makeTempDir();
  const app = startFixture("driver.ts", [join(dir.path, "queue.db")]);
  try {
    await app.waitForLine(/"event":"ready"/);
    const started = await app.request({ cmd: "start", options: { workers: 1 } });
    assert.equal(started.result, true);

    const { id } = await app.request({ cmd: "delay", task: "echo", args: ["hello"] });
    const reply = await app.request({ cmd: "wait", id, timeoutMs: 30_000 });
    const value = decode(reply.value as string) as { value: string; pid: number; runtime: string };
    assert.equal(value.value, "hello");
    assert.notEqual(value.pid, app.pid);
    assert.equal(value.runtime, RUNTIME);

    const status = await app.request({ cmd: "status", id });
    assert.equal(status.status, "ready");
    await app.request({ cmd: "stop" });
  } finally {
    await app.kill();
    dir.cleanup();
  }
});

test("slow task hands back the rest of its batch", { timeout: 120_000 }, async () => {
  const dir = makeTempDir();
  const warmup = join(dir.path, "warmup.txt");
  const output = join(dir.path, "output.txt");
  const app = startFixture("driver.ts", [join(dir.path, "queue.db")]);
  try {
    await app.waitForLine(/"event":"ready"/);
    await app.request({ cmd: "start", options: { workers: 2 } });

    // Fast tasks grow both workers' claim batches.
    await app.request({ cmd: "delay", task: "record", args: [warmup, "w{i}"], count: 400 });
    await waitUntil(() => readLines(warmup).length === 400, 60_000, "the warm-up tasks");

    // One turn stores a slow task, claimed first for its priority, and fast tasks after it.
    await app.request({
      cmd: "delay",
      task: "slowUrgentRecord",
      args: [3_000, output, "slow"],
      also: [{ task: "record", args: [output, "fast-{i}"], count: 100 }],
    });
    await waitUntil(() => readLines(output).includes("done slow"), 60_000, "the slow task");

    const lines = readLines(output);
    const fastBeforeSlowEnded = lines.slice(0, lines.indexOf("done slow")).filter((line) => line.startsWith("fast-"));
    assert.equal(fastBeforeSlowEnded.length, 100);
    await app.request({ cmd: "stop" });
  } finally {
    await app.kill();
    dir.cleanup();
  }
});
