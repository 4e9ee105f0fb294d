import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { killAll, makeTempDir, openDatabase, readLines, startDriver, waitUntil } from "./helpers.ts";

const TIMEOUT = { timeout: 120_000 };

async function readCronRows(database: string) {
  const handle = await openDatabase(database);
  try {
    return await handle.db
      .selectFrom("autocron_tasks")
      .select(["id", "name", "schedule", "timezone", "due_at"])
      .where("kind", "=", "cron")
      .execute();
  } finally {
    await handle.close();
  }
}

/** Parses the heartbeat fixture's lines: "start|end <second> <ms> <pid>". */
function readRuns(file: string) {
  return readLines(file).map((line) => {
    const [phase, second, at, pid] = line.split(" ");
    return { phase, second: Number(second), at: Number(at), pid: Number(pid) };
  });
}

test("cron task is stored once across processes and restarts", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const env = { AUTOCRON_TEST_CRON: "0 3 * * *", AUTOCRON_TEST_CRON_FILE: join(dir.path, "cron.txt") };
  const first = await startDriver(database, { env });
  const second = await startDriver(database, { env });
  let third;
  try {
    await Promise.all([first, second].map((app) => app.request({ cmd: "start", options: { workers: 0 } })));
    const rows = await readCronRows(database);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.name, "heartbeat");
    assert.equal(rows[0]!.schedule, "0 0 3 * * *");
    assert.equal(rows[0]!.timezone, "UTC");
    assert.equal(new Date(rows[0]!.due_at).getUTCHours(), 3);

    await Promise.all([first, second].map((app) => app.request({ cmd: "stop" })));
    third = await startDriver(database, { env });
    await third.request({ cmd: "start", options: { workers: 0 } });
    assert.deepEqual(await readCronRows(database), rows);
    await third.request({ cmd: "stop" });
  } finally {
    await killAll(first, second, third);
    dir.cleanup();
  }
});

test("cron task no longer in code is removed at start", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const env = { AUTOCRON_TEST_CRON: "0 3 * * *", AUTOCRON_TEST_CRON_FILE: join(dir.path, "cron.txt") };
  const first = await startDriver(database, { env });
  let second;
  try {
    await first.request({ cmd: "start", options: { workers: 0 } });
    assert.equal((await readCronRows(database)).length, 1);
    await first.request({ cmd: "stop" });

    second = await startDriver(database);
    await second.request({ cmd: "start", options: { workers: 0 } });
    assert.deepEqual(await readCronRows(database), []);
    await second.request({ cmd: "stop" });
  } finally {
    await killAll(first, second);
    dir.cleanup();
  }
});

test("per-second cron runs once per slot", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const file = join(dir.path, "cron.txt");
  const env = { AUTOCRON_TEST_CRON: "* * * * * *", AUTOCRON_TEST_CRON_FILE: file };
  const apps = [await startDriver(database, { env }), await startDriver(database, { env })];
  try {
    await Promise.all(apps.map((app) => app.request({ cmd: "start", options: { workers: 3 } })));
    await waitUntil(() => readRuns(file).filter((run) => run.phase === "end").length >= 6, 60_000, "six cron runs");
    await Promise.all(apps.map((app) => app.request({ cmd: "stop" })));

    const starts = readRuns(file).filter((run) => run.phase === "start");
    const seconds = starts.map((run) => run.second);
    assert.equal(new Set(seconds).size, seconds.length, `a second ran twice: ${seconds.join(", ")}`);
    for (let index = 1; index < seconds.length; index++) {
      assert.ok(seconds[index]! > seconds[index - 1]!, "runs are in slot order");
    }
  } finally {
    await killAll(...apps);
    dir.cleanup();
  }
});

test("cron task never overlaps itself", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const file = join(dir.path, "cron.txt");
  const env = { AUTOCRON_TEST_CRON: "* * * * * *", AUTOCRON_TEST_CRON_FILE: file, AUTOCRON_TEST_CRON_SLEEP_MS: "1500" };
  const app = await startDriver(database, { env });
  try {
    await app.request({ cmd: "start", options: { workers: 3 } });
    await waitUntil(() => readRuns(file).filter((run) => run.phase === "end").length >= 3, 60_000, "three slow cron runs");
    await app.request({ cmd: "stop" });

    const runs = readRuns(file);
    for (let index = 1; index < runs.length; index++) {
      // Lines alternate start, end, start, end: a run never starts before the last one ended.
      assert.equal(runs[index]!.phase, index % 2 === 0 ? "start" : "end", `overlap at line ${index}`);
    }
    const starts = runs.filter((run) => run.phase === "start").map((run) => run.second);
    for (let index = 1; index < starts.length; index++) {
      assert.ok(starts[index]! - starts[index - 1]! >= 2, "slots covered by a long run are skipped");
    }
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});
