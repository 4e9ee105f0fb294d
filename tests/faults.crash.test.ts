import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import {
  type FixtureProcess,
  isAlive,
  killAll,
  makeTempDir,
  openDatabase,
  prepareDatabase,
  readLines,
  readSupervisor,
  readWorkers,
  startDriver,
  waitUntil,
} from "./helpers.ts";

const TIMEOUT = { timeout: 240_000 };

/** Counts "done <token>" lines per token. */
function doneCounts(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readLines(file)) {
    if (!line.startsWith("done ")) continue;
    const token = line.slice(5);
    counts.set(token, (counts.get(token) ?? 0) + 1);
  }
  return counts;
}

/** Reports a measured figure on stderr, where the test runner's output keeps it. */
function report(text: string): void {
  process.stderr.write(`  measured: ${text}\n`);
}

test("SIGKILL of a worker mid-task loses nothing", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  await prepareDatabase(database, { monitorIdleMs: 200 });
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    await app.request({ cmd: "delay", task: "slowRecord", args: [1_000, output, "task-{i}"], count: 5 });

    const started = await waitUntil(
      () => readLines(output).find((line) => line.startsWith("start task-1 ")),
      60_000,
      "the second task to start",
    );
    const pid = Number(started.split(" ")[2]);
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");

    await waitUntil(() => doneCounts(output).size === 5, 120_000, "all five tasks to finish");
    report(`all five tasks finished ${Date.now() - killedAt} ms after the SIGKILL of a worker`);
    await app.request({ cmd: "stop" });

    const counts = doneCounts(output);
    for (let index = 0; index < 5; index++) {
      assert.equal(counts.get(`task-${index}`), 1, `task-${index} finished once`);
    }
    const starts = readLines(output).filter((line) => line.startsWith("start task-1 "));
    assert.equal(starts.length, 2, "the killed task ran again");
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("SIGKILL of the app loses no task", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  await prepareDatabase(database, { monitorIdleMs: 200 });
  const first = await startDriver(database);
  let second;
  try {
    await first.request({ cmd: "start", options: { workers: 2 } });
    await first.request({ cmd: "delay", task: "slowRecord", args: [5_000, output, "job-{i}"], count: 6 });
    await waitUntil(() => readLines(output).filter((line) => line.startsWith("start")).length === 2, 60_000, "two running tasks");
    const workers = await readWorkers(database);

    await first.kill("SIGKILL");
    const killedAt = Date.now();
    await waitUntil(() => workers.every((worker) => !isAlive(worker.pid)), 5_000, "the workers to exit");
    report(`workers exited ${Date.now() - killedAt} ms after the SIGKILL of the app`);

    second = await startDriver(database);
    await second.request({ cmd: "start", options: { workers: 2 } });
    await waitUntil(() => doneCounts(output).size === 6, 120_000, "all six tasks to finish");
    await second.request({ cmd: "stop" });
    const counts = doneCounts(output);
    for (let index = 0; index < 6; index++) {
      assert.equal(counts.get(`job-${index}`), 1, `job-${index} finished once`);
    }
  } finally {
    await killAll(first, second);
    dir.cleanup();
  }
});

test("cron keeps one run per slot through a takeover", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const file = join(dir.path, "cron.txt");
  await prepareDatabase(database, { monitorIdleMs: 200 });
  const env = { AUTOCRON_TEST_CRON: "* * * * * *", AUTOCRON_TEST_CRON_FILE: file };
  const apps: FixtureProcess[] = [];
  const slots = () => readLines(file).filter((line) => line.startsWith("start")).map((line) => Number(line.split(" ")[1]));
  try {
    for (let index = 0; index < 3; index++) apps.push(await startDriver(database, { env }));
    const results = await Promise.all(apps.map((app) => app.request({ cmd: "start", options: { workers: 2 } })));
    const supervisor = apps[results.findIndex((result) => result.result === true)]!;
    await waitUntil(() => slots().length >= 3, 60_000, "three cron runs");

    await supervisor.kill("SIGKILL");
    const killedAt = Date.now();
    const lease = await waitUntil(async () => {
      const row = await readSupervisor(database);
      return row && row.pid !== supervisor.pid && row;
    }, 30_000, "another process to take the lease");
    const takeoverMs = Date.now() - killedAt;
    const runsBefore = slots().length;
    await waitUntil(() => slots().length >= runsBefore + 4, 60_000, "four more cron runs after the takeover");
    const survivors = apps.filter((app) => app !== supervisor);
    await Promise.all(survivors.map((app) => app.request({ cmd: "stop" })));

    const seen = slots();
    assert.equal(new Set(seen).size, seen.length, `a slot ran twice: ${seen.join(", ")}`);
    assert.ok(survivors.some((app) => app.pid === lease.pid));
    const skipped = seen.at(-1)! - seen[0]! + 1 - seen.length;
    report(`takeover after ${takeoverMs} ms (lease 1000 ms); ${seen.length} runs, ${skipped} slot(s) skipped during the takeover`);
  } finally {
    await killAll(...apps);
    dir.cleanup();
  }
});

test("20,000 tasks from four processes each run once", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  const apps: FixtureProcess[] = [];
  try {
    for (let index = 0; index < 4; index++) apps.push(await startDriver(database));
    await apps[0]!.request({ cmd: "start", options: { workers: 2 } });
    await Promise.all(apps.slice(1).map((app) => app.request({ cmd: "start", options: {} })));

    const startedAt = Date.now();
    // Each process enqueues 5,000 calls in one burst while the workers drain.
    await Promise.all(apps.map((app, index) =>
      app.request({ cmd: "delay", task: "record", args: [output, `p${index}-{i}`], count: 5_000 }, 120_000)
    ));
    await waitUntil(() => readLines(output).length >= 20_000, 200_000, "20,000 tasks to run");
    const seconds = (Date.now() - startedAt) / 1000;
    report(`20,000 tasks enqueued by 4 processes and drained by 2 workers in ${seconds.toFixed(1)} s`);

    const lines = readLines(output);
    assert.equal(lines.length, 20_000);
    assert.equal(new Set(lines).size, 20_000, "no task ran twice");
    for (let app = 0; app < 4; app++) {
      for (const index of [0, 2_500, 4_999]) assert.ok(lines.includes(`p${app}-${index}`));
    }

    // A worker stores a batch's outcomes after the batch's last task ran, so the last
    // lines can come shortly before the queue is empty.
    const handle = await openDatabase(database);
    const countResults = async () => {
      const row = await handle.db.selectFrom("autocron_results").select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirstOrThrow();
      return Number(row.count);
    };
    try {
      await waitUntil(async () => await countResults() >= 20_000, 30_000, "20,000 results");
      const queued = await handle.db.selectFrom("autocron_tasks").select("id").execute();
      assert.deepEqual(queued, [], "no task is stuck in the queue");
      assert.equal(await countResults(), 20_000);
    } finally {
      await handle.close();
    }
    await Promise.all(apps.map((app) => app.request({ cmd: "stop" })));
  } finally {
    await killAll(...apps);
    dir.cleanup();
  }
});
