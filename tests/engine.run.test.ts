import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { decode } from "../src/codec.ts";
import { makeTempDir, RUNTIME, startFixture } from "./helpers.ts";

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
