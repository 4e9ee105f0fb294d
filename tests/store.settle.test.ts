import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { createTaskId } from "../src/ids.ts";
import { loadAdapter } from "../src/runtime.ts";
import { claimTasks } from "../src/store/claim-tasks.ts";
import { insertTasks, type NewTask } from "../src/store/insert-tasks.ts";
import { openStore } from "../src/store/open-store.ts";
import { recoverInterruptedTasks } from "../src/store/recover-tasks.ts";
import { settleTasks, type TaskOutcome } from "../src/store/settle-tasks.ts";
import { makeTempDir } from "./helpers.ts";

const RESULT_TTL_MS = 60_000;

/** Returns a waiting delayed task with the given fields. */
function waiting(fields: Omit<NewTask, "kind" | "status">): NewTask {
  return { kind: "delay", status: "waiting", ...fields };
}

async function openQueue() {
  const directory = makeTempDir();
  const handle = await openStore(await loadAdapter(), join(directory.path, "queue.db"));
  return {
    db: handle.db,
    async close() {
      await handle.close();
      directory.cleanup();
    },
  };
}

test("claim returns stored fields by priority", async () => {
  const queue = await openQueue();
  try {
    const now = Date.now();
    const args = JSON.stringify([{ text: "grüße, 日本, \"quoted\"\n", n: 12.5 }]);
    await insertTasks(queue.db, [
      waiting({ id: createTaskId(now - 2), name: "low", args: "[]", due_at: now - 2, created_at: now - 2 }),
      waiting({
        id: createTaskId(now - 1),
        name: "high",
        args,
        priority: 7,
        due_at: now - 1,
        max_attempts: 3,
        backoff: JSON.stringify({ kind: "fixed", delayMs: 10 }),
        timeout_ms: 2_500,
        created_at: now - 1,
      }),
      waiting({ id: createTaskId(now + 60_000), name: "later", args: "[]", due_at: now + 60_000, created_at: now }),
    ]);

    const claimed = await claimTasks(queue.db, { workerId: "w1", limit: 10, now, leaseMs: 5_000 });

    assert.deepEqual(claimed.map((task) => task.name), ["high", "low"], "the task due later is not claimed");
    const high = claimed[0]!;
    assert.equal(high.args, args);
    assert.equal(high.kind, "delay");
    assert.equal(high.priority, 7);
    assert.equal(high.due_at, now - 1);
    assert.equal(high.attempts, 1);
    assert.equal(high.max_attempts, 3);
    assert.equal(high.interruptions, 0);
    assert.deepEqual(JSON.parse(high.backoff!), { kind: "fixed", delayMs: 10 });
    assert.equal(high.timeout_ms, 2_500);
    assert.equal(high.schedule, null);
    assert.equal(high.timezone, null);
    assert.equal(high.attempt_log, "[]");
    assert.equal(high.started_at, now);
    assert.equal(claimed[1]!.timeout_ms, null);
  } finally {
    await queue.close();
  }
});

test("settle skips tasks the worker lost", async () => {
  const queue = await openQueue();
  try {
    const now = Date.now();
    await insertTasks(
      queue.db,
      Array.from({ length: 6 }, (_, index) =>
        waiting({
          id: createTaskId(now - 10 + index),
          name: `task-${index}`,
          args: "[]",
          due_at: now - 10 + index,
          created_at: now - 10,
        })),
    );
    const claimed = await claimTasks(queue.db, { workerId: "w1", limit: 6, now, leaseMs: 5_000 });
    assert.equal(claimed.length, 6);

    // Worker w1 is treated as dead, so its tasks go back to the queue, and w2 claims two
    // of them while w1 is still running them.
    await recoverInterruptedTasks(queue.db, { workerId: "w1" }, "worker test-w1 exited", now, RESULT_TTL_MS);
    const reclaimed = await claimTasks(queue.db, { workerId: "w2", limit: 2, now: now + 1, leaseMs: 5_000 });
    assert.equal(reclaimed.length, 2);
    const reclaimedIds = new Set(reclaimed.map((task) => task.id));

    const finishedAt = now + 5;
    const outcomes: TaskOutcome[] = claimed.map((task) => ({ task, ok: true, value: `"${task.name}"`, finishedAt }));
    await settleTasks(queue.db, outcomes, { workerId: "w1", resultTtlMs: RESULT_TTL_MS });

    // w1 lost all six. The two that w2 claimed stay with w2, and the other four stay
    // in the queue.
    const results = await queue.db.selectFrom("autocron_results").selectAll().execute();
    assert.deepEqual(results, []);
    const remaining = await queue.db.selectFrom("autocron_tasks").select(["id", "status", "worker_id"]).execute();
    assert.equal(remaining.length, 6);
    for (const row of remaining) {
      assert.deepEqual(
        [row.status, row.worker_id],
        reclaimedIds.has(row.id) ? ["processing", "w2"] : ["waiting", null],
        `task ${row.id}`,
      );
    }

    // w2 settles its two, one with its own start time. The results carry the row's
    // attempts (the interruption does not count as one) and its attempt log.
    const startedAt = now + 2;
    await settleTasks(
      queue.db,
      reclaimed.map((task, index) => ({
        task,
        ok: true,
        value: `"${task.name} by w2"`,
        startedAt: index === 0 ? startedAt : undefined,
        finishedAt,
      })),
      { workerId: "w2", resultTtlMs: RESULT_TTL_MS },
    );
    const stored = await queue.db.selectFrom("autocron_results").selectAll().orderBy("id").execute();
    assert.deepEqual(stored.map((row) => row.id), reclaimed.map((task) => task.id).sort());
    for (const row of stored) {
      const task = reclaimed.find((candidate) => candidate.id === row.id)!;
      assert.equal(row.status, "ready");
      assert.equal(row.name, task.name);
      assert.equal(row.value, `"${task.name} by w2"`);
      assert.equal(row.attempts, 1);
      assert.match(row.attempt_log, /worker test-w1 exited/);
      assert.equal(row.started_at, task.id === reclaimed[0]!.id ? startedAt : now + 1);
      assert.equal(row.finished_at, finishedAt);
      assert.equal(row.expires_at, finishedAt + RESULT_TTL_MS);
    }
    const left = await queue.db.selectFrom("autocron_tasks").select("id").execute();
    assert.equal(left.length, 4);
    assert.ok(left.every((row) => !reclaimedIds.has(row.id)));
  } finally {
    await queue.close();
  }
});
