import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { killAll, makeTempDir, readLines, ROOT, startFixture, waitUntil, withTimeout } from "./helpers.ts";

test("demo app runs a posted task in a worker", { timeout: 120_000 }, async () => {
  const dir = makeTempDir();
  const outbox = join(dir.path, "outbox.jsonl");
  const demo = startFixture(join(ROOT, "examples", "demo", "app.ts"), [], {
    env: { PORT: "0", AUTOCRON_DEMO_DB: join(dir.path, "demo.db"), AUTOCRON_DEMO_OUTBOX: outbox },
  });
  try {
    const banner = await demo.waitForLine(/listening on http:\/\/localhost:\d+/, 60_000);
    const base = /http:\/\/localhost:\d+/.exec(banner)![0];

    const posted = await fetch(`${base}/confirmations`, {
      method: "POST",
      body: JSON.stringify({ to: "a@example.org", body: "welcome" }),
    });
    assert.equal(posted.status, 202);
    const { id } = await posted.json() as { id: string };
    assert.match(id, /^[0-9a-f-]{36}$/);

    const done = await waitUntil(async () => {
      const response = await fetch(`${base}/confirmations/${id}`);
      const body = await response.json() as { status: string; result?: { workerPid: number } };
      return body.status === "ready" && body;
    }, 60_000, "the confirmation to be sent");
    assert.notEqual(done.result!.workerPid, demo.pid);

    const sent = readLines(outbox).map((line) => JSON.parse(line) as { type: string; to: string; workerPid: number });
    const confirmation = sent.find((entry) => entry.type === "confirmation");
    assert.equal(confirmation?.to, "a@example.org");
    assert.equal(confirmation?.workerPid, done.result!.workerPid);

    for (const body of ["{}", "not json", '{"to": 1}']) {
      const invalid = await fetch(`${base}/confirmations`, { method: "POST", body });
      assert.equal(invalid.status, 400, body);
      await invalid.body?.cancel();
    }
    const missing = await fetch(`${base}/confirmations/00000000-0000-7000-8000-000000000000`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    // process.kill() rather than child.kill(): Deno 2.9's child_process reports a
    // child it sent a signal to as killed by that signal, even when it exited with 0.
    process.kill(demo.pid, "SIGTERM");
    const exit = await withTimeout(demo.exited, 30_000, "the demo did not stop after SIGTERM");
    assert.equal(exit.code, 0, `the demo ended with ${JSON.stringify(exit)}; stdout:\n${demo.lines.join("\n")}\nstderr: ${demo.stderr.join("")}`);
  } finally {
    await killAll(demo);
    dir.cleanup();
  }
});
