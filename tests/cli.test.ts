import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { sql } from "kysely";
import { decode } from "../src/codec.ts";
import { nextRuns } from "../src/schedule.ts";
import {
  killAll,
  makeTempDir,
  openDatabase,
  readLines,
  readWorkers,
  runCli,
  startDriver,
  waitUntil,
} from "./helpers.ts";

const TIMEOUT = { timeout: 120_000 };

function assertFits80Columns(text: string): void {
  for (const line of text.split("\n")) {
    assert.ok(line.length <= 80, `line wider than 80 columns (${line.length}): ${line}`);
  }
}

function json<T>(args: string[]): T {
  const result = runCli([...args, "--json"]);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

interface InfoJson {
  database: string;
  settings: Record<string, unknown>;
  supervisors: Array<{ pid: number; host: string; expired: boolean }>;
  workers: Array<{ pid: number; tasks: Array<{ id: string; name: string }> }>;
  counts: Record<string, number>;
}

test("cli info shows a running app", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const output = join(dir.path, "out.txt");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 2 } });
    const { id } = await app.request({ cmd: "delay", task: "sleepThenAppend", args: [60_000, output, "busy"] });
    await waitUntil(() => readLines(output).length > 0, 60_000, "the task to start");
    await waitUntil(async () => (await readWorkers(database)).length === 2, 60_000, "two workers");

    const info = json<InfoJson>([database, "info"]);
    assert.equal(info.database, database);
    assert.equal(info.supervisors.length, 1);
    assert.equal(info.supervisors[0]!.pid, app.pid);
    assert.equal(info.supervisors[0]!.expired, false);
    assert.equal(info.workers.length, 2);
    const busy = info.workers.flatMap((worker) => worker.tasks);
    assert.deepEqual(busy, [{ id, name: "sleepThenAppend" }]);
    assert.equal(info.counts.processing, 1);
    assert.equal(info.settings.maxWorkers, 2);

    const text = runCli([database, "info"]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`supervisor +pid ${app.pid} on .*, lease expires in`));
    assert.match(text.stdout, /max-workers +2/);
    assert.match(text.stdout, /sleepThenAppend …[0-9a-f]{12}/);
    assertFits80Columns(text.stdout);

    const python = runCli([database, "-i"]);
    assert.equal(python.status, 0);
    assert.match(python.stdout, /workers +2 running/);
    await app.request({ cmd: "stop", timeoutMs: 100 });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("cli tasks lists queued and cron tasks", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const env = { AUTOCRON_TEST_CRON: "30 9 * * 1-5", AUTOCRON_TEST_CRON_FILE: join(dir.path, "cron.txt") };
  const app = await startDriver(database, { env });
  try {
    await app.request({ cmd: "start", options: { workers: 0 } });
    const { id } = await app.request({ cmd: "delay", task: "append", args: ["/tmp/never", "a very long line ".repeat(10)] });
    await app.request({ cmd: "enqueued", id });

    const tasks = json<{
      delayed: Array<{ id: string; name: string; args: string; attempts: number }>;
      cron: Array<{ name: string; schedule: string; timezone: string; nextRuns: string[] }>;
    }>([database, "tasks"]);
    assert.equal(tasks.delayed.length, 1);
    assert.equal(tasks.delayed[0]!.id, id);
    assert.equal(tasks.delayed[0]!.name, "append");
    assert.match(tasks.delayed[0]!.args, /^"\/tmp\/never", "a very long line/);
    assert.equal(tasks.cron.length, 1);
    assert.equal(tasks.cron[0]!.schedule, "0 30 9 * * 1-5");
    assert.equal(tasks.cron[0]!.timezone, "UTC");
    const expected = nextRuns("0 30 9 * * 1-5", "UTC", 3, new Date(Date.parse(tasks.cron[0]!.nextRuns[0]!) - 1));
    assert.deepEqual(tasks.cron[0]!.nextRuns, expected.map((date) => date.toISOString()));

    const text = runCli([database, "tasks"]);
    assert.equal(text.status, 0, text.stderr);
    assert.ok(text.stdout.includes(`…${(id as string).slice(-12)}`));
    assert.match(text.stdout, /heartbeat +0 30 9 \* \* 1-5 +UTC/);
    assert.match(text.stdout, /DUE \(LOCAL\) +DUE \(UTC\)/);
    assertFits80Columns(text.stdout);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("cli results show errors and durations", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    const failed = await app.request({ cmd: "delay", task: "fail", args: ["the input was wrong"] });
    const ok = await app.request({ cmd: "delay", task: "echo", args: ["fine"] });
    await app.request({ cmd: "wait", id: failed.id, timeoutMs: 60_000 });
    await app.request({ cmd: "wait", id: ok.id, timeoutMs: 60_000 });

    const all = json<Array<{ id: string; status: string; error: string | null; durationMs: number }>>([database, "results"]);
    assert.equal(all.length, 2);
    const error = all.find((result) => result.id === failed.id)!;
    assert.equal(error.status, "error");
    assert.equal(error.error, "TypeError: the input was wrong");
    assert.ok(error.durationMs >= 0);

    const onlyErrors = json<Array<{ id: string }>>([database, "results", "--status", "error"]);
    assert.deepEqual(onlyErrors.map((result) => result.id), [failed.id]);

    const text = runCli([database, "-r"]);
    assert.match(text.stdout, /fail +error .*TypeError: the input/);
    assertFits80Columns(text.stdout);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("cli settings reach a running app", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const app = await startDriver(database);
  const workerCount = async (count: number) =>
    await waitUntil(async () => (await readWorkers(database)).length === count, 60_000, `${count} workers`);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    await workerCount(1);

    assert.equal(runCli([database, "set", "max-workers", "3"]).status, 0);
    await workerCount(3);
    assert.equal(runCli([database, "--set-max-workers", "1"]).status, 0);
    await workerCount(1);

    assert.equal(runCli([database, "set", "disabled", "ON"]).status, 0);
    await workerCount(0);
    await waitUntil(async () => {
      const { id } = await app.request({ cmd: "delay", task: "echo", args: ["inline"] });
      const reply = await app.request({ cmd: "wait", id, timeoutMs: 30_000 });
      return (decode(reply.value as string) as { pid: number }).pid === app.pid;
    }, 30_000, "calls to run inline");

    assert.equal(runCli([database, "--set-autocron-lock", "off"]).status, 0);
    await workerCount(1);

    assert.equal(runCli([database, "--set-result-ttl", "600"]).status, 0);
    assert.equal(runCli([database, "--set-worker-idle-time", "2"]).status, 0);
    assert.equal(runCli([database, "set", "monitor-idle-ms", "500"]).status, 0);
    let settings = json<InfoJson>([database, "info"]).settings;
    assert.equal(settings.resultTtlSeconds, 600);
    assert.equal(settings.workerIdleMs, 2000);
    assert.equal(settings.monitorIdleMs, 500);

    assert.equal(runCli([database, "--set-defaults"]).status, 0);
    settings = json<InfoJson>([database, "info"]).settings;
    assert.deepEqual(settings, { maxWorkers: 1, disabled: false, workerIdleMs: 5000, monitorIdleMs: 1000, resultTtlSeconds: 1800 });
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("cli errors are one line with status 2", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const missing = join(dir.path, "missing.db");
  const cases: Array<[string[], RegExp]> = [
    [[missing, "info"], /database .*missing\.db does not exist/],
    [[database, "set", "speed", "3"], /unknown setting "speed"; valid settings are max-workers, disabled, worker-idle-ms/],
    [[database, "set", "max-workers", "many"], /max-workers expects a whole number from 0 to 256, got "many"/],
    [[database, "set", "max-workers", "999"], /max-workers expects a whole number from 0 to 256, got 999/],
    [[database, "set", "disabled", "maybe"], /disabled expects on, off, true or false, got "maybe"/],
    [[database, "frobnicate"], /unknown command "frobnicate"/],
    [[database, "info", "--colour"], /unknown option --colour/],
    [[database, "--set-monitor-lock", "on"], /--set-monitor-lock is not supported: the monitor lock is gone/],
  ];
  try {
    assert.equal(runCli([database, "set", "max-workers", "2"]).status, 0, "set creates the database");
    for (const [args, pattern] of cases) {
      const result = runCli(args);
      assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.trimEnd().split("\n").length, 1, `one line for ${args.join(" ")}`);
    }
    assert.equal(existsSync(missing), false, "a reading command created the database");

    const notSqlite = join(dir.path, "notes.txt");
    writeFileSync(notSqlite, "plain text, not a database\n".repeat(200));
    const garbage = runCli([notSqlite, "info"]);
    assert.equal(garbage.status, 2);
    assert.match(garbage.stderr, /notes\.txt is not an SQLite database/);
  } finally {
    dir.cleanup();
  }
});

test("cli reports a database locked too long", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  try {
    assert.equal(runCli([database, "set", "max-workers", "2"]).status, 0);
    const holder = await openDatabase(database);
    await sql`BEGIN IMMEDIATE`.execute(holder.db);
    try {
      const result = runCli([database, "set", "max-workers", "3"]);
      assert.equal(result.status, 2);
      assert.match(result.stderr, /is locked by another process \(busy timeout of 5000 ms exceeded\); try again/);
    } finally {
      await sql`ROLLBACK`.execute(holder.db);
      await holder.close();
    }
  } finally {
    dir.cleanup();
  }
});

test("cli retry and cancel change tasks", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const marker = join(dir.path, "marker.txt");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    const flaky = await app.request({ cmd: "delay", task: "failOnce", args: [marker] });
    const first = await app.request({ cmd: "wait", id: flaky.id, timeoutMs: 60_000 });
    assert.equal((first.taskError as { message: string }).message, "first run fails");

    const retried = runCli([database, "retry", `…${(flaky.id as string).slice(-12)}`]);
    assert.equal(retried.status, 0, retried.stderr);
    assert.match(retried.stdout, /is back in the queue/);
    const second = await app.request({ cmd: "wait", id: flaky.id, timeoutMs: 60_000 });
    assert.equal(decode(second.value as string), "second run succeeds");

    const again = runCli([database, "retry", flaky.id as string]);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /finished successfully; there is nothing to retry/);

    await app.request({ cmd: "stop" });
    await app.request({ cmd: "start", options: { workers: 0 } });
    const waiting = await app.request({ cmd: "delay", task: "echo", args: ["never runs"] });
    await app.request({ cmd: "enqueued", id: waiting.id });
    const cancelled = runCli([database, "cancel", waiting.id as string]);
    assert.equal(cancelled.status, 0, cancelled.stderr);
    const reply = await app.request({ cmd: "wait", id: waiting.id, timeoutMs: 10_000 });
    assert.equal((reply.taskError as { name: string }).name, "CancelledError");

    const unknown = runCli([database, "cancel", "00000000"]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no task or result id ends with "00000000"/);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("cli purge deletes results by status", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    for (const [task, args] of [["fail", ["x"]], ["echo", ["y"]]] as const) {
      const { id } = await app.request({ cmd: "delay", task, args });
      await app.request({ cmd: "wait", id, timeoutMs: 60_000 });
    }
    const purged = json<{ deleted: number }>([database, "purge", "--status", "error"]);
    assert.equal(purged.deleted, 1);
    const left = json<Array<{ status: string }>>([database, "results"]);
    assert.deepEqual(left.map((result) => result.status), ["ready"]);

    const bad = runCli([database, "purge"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /purge needs --status ready, error or all/);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("cli delete-database asks first", TIMEOUT, () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  try {
    assert.equal(runCli([database, "set", "max-workers", "1"]).status, 0);
    const declined = runCli([database, "delete-database"], { input: "n\n" });
    assert.equal(declined.status, 1);
    assert.match(declined.stdout, /delete .*queue\.db .*\[y\/N\]/);
    assert.ok(existsSync(database));

    const confirmed = runCli([database, "--delete-database"], { input: "y\n" });
    assert.equal(confirmed.status, 0, confirmed.stderr);
    assert.equal(existsSync(database), false);

    // A damaged file is deleted without being opened.
    writeFileSync(database, "SQLite format 3\0 but then garbage");
    const damaged = runCli([database, "delete-database", "--yes"]);
    assert.equal(damaged.status, 0, damaged.stderr);
    assert.equal(existsSync(database), false);
  } finally {
    dir.cleanup();
  }
});

test("cli help covers every command", TIMEOUT, () => {
  const general = runCli(["--help"]);
  assert.equal(general.status, 0);
  assert.match(general.stdout, /Usage: autocron <database> <command>/);
  assertFits80Columns(general.stdout);

  for (const command of ["info", "tasks", "results", "set", "set-defaults", "retry", "cancel", "purge", "delete-database"]) {
    const help = runCli([command, "--help"]);
    assert.equal(help.status, 0, command);
    assert.match(help.stdout, new RegExp(`Usage: autocron <database> ${command}`));
    assertFits80Columns(help.stdout);
  }
  const bare = runCli([]);
  assert.equal(bare.status, 2);
  assert.match(bare.stdout, /Usage:/);
});
