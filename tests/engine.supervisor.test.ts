import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { decode } from "../src/codec.ts";
import {
  type FixtureProcess,
  isAlive,
  killAll,
  makeTempDir,
  prepareDatabase,
  readSupervisor,
  readWorkers,
  startDriver,
  waitUntil,
} from "./helpers.ts";

const TIMEOUT = { timeout: 120_000 };

test("one of several app processes supervises", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const apps: FixtureProcess[] = [];
  try {
    for (let index = 0; index < 3; index++) apps.push(await startDriver(database));
    const results = await Promise.all(apps.map((app) => app.request({ cmd: "start", options: { workers: 2 } })));
    const supervisors = apps.filter((_, index) => results[index]!.result === true);
    assert.equal(supervisors.length, 1);

    const lease = await readSupervisor(database);
    assert.equal(lease?.pid, supervisors[0]!.pid);
    const workers = await waitUntil(async () => {
      const rows = await readWorkers(database);
      return rows.length === 2 && rows;
    }, 60_000, "two workers");
    assert.ok(workers.every((worker) => worker.supervisor === lease!.owner));

    await Promise.all(apps.map((app) => app.request({ cmd: "stop" })));
  } finally {
    await killAll(...apps);
    dir.cleanup();
  }
});

test("another process takes over after a SIGKILL of the supervisor", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  // Leases last five monitor ticks: one second here.
  await prepareDatabase(database, { monitorIdleMs: 200 });
  const apps: FixtureProcess[] = [];
  try {
    for (let index = 0; index < 3; index++) apps.push(await startDriver(database));
    const results = await Promise.all(apps.map((app) => app.request({ cmd: "start", options: { workers: 1 } })));
    const supervisor = apps[results.findIndex((result) => result.result === true)]!;
    const others = apps.filter((app) => app !== supervisor);

    await supervisor.kill("SIGKILL");
    const killedAt = Date.now();
    const lease = await waitUntil(async () => {
      const row = await readSupervisor(database);
      return row && row.pid !== supervisor.pid && row;
    }, 30_000, "another process to take the lease");
    const takeoverMs = Date.now() - killedAt;
    assert.ok(others.some((app) => app.pid === lease.pid));
    process.stderr.write(`  takeover after ${takeoverMs} ms\n`);

    const newSupervisor = others.find((app) => app.pid === lease.pid)!;
    await waitUntil(
      () => newSupervisor.stderr.join("").includes(`took over the supervisor lease of host`),
      10_000,
      "the takeover to be logged",
    );
    assert.match(newSupervisor.stderr.join(""), new RegExp(`from process ${supervisor.pid}, whose lease expired`));
    const sender = others.find((app) => app !== newSupervisor)!;
    const { id } = await sender.request({ cmd: "delay", task: "echo", args: ["after takeover"] });
    const reply = await sender.request({ cmd: "wait", id, timeoutMs: 60_000 });
    assert.equal((decode(reply.value as string) as { value: string }).value, "after takeover");

    await Promise.all(others.map((app) => app.request({ cmd: "stop" })));
  } finally {
    await killAll(...apps);
    dir.cleanup();
  }
});

test("a dead worker is replaced", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    const [worker] = await waitUntil(async () => {
      const rows = await readWorkers(database);
      return rows.length === 1 && isAlive(rows[0]!.pid) && rows;
    }, 60_000, "a running worker");

    process.kill(worker!.pid, "SIGKILL");
    const [replacement] = await waitUntil(async () => {
      const rows = await readWorkers(database);
      return rows.length === 1 && rows[0]!.id !== worker!.id && rows;
    }, 60_000, "a replacement worker");
    assert.notEqual(replacement!.pid, worker!.pid);
    await waitUntil(() => app.stderr.join("").includes("starting a new worker"), 10_000, "the restart to be logged");
    assert.match(app.stderr.join(""), new RegExp(`worker ${worker!.id} \\(pid ${worker!.pid}\\) was killed by SIGKILL; starting a new worker`));

    const { id } = await app.request({ cmd: "delay", task: "echo", args: ["still working"] });
    const reply = await app.request({ cmd: "wait", id, timeoutMs: 60_000 });
    assert.equal((decode(reply.value as string) as { pid: number }).pid, replacement!.pid);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("thread workers run in the app process", TIMEOUT, async () => {
  const dir = makeTempDir();
  const app = await startDriver(join(dir.path, "queue.db"));
  try {
    await app.request({ cmd: "start", options: { workers: 2, isolation: "thread" } });
    const { id } = await app.request({ cmd: "delay", task: "echo", args: ["threaded"] });
    const reply = await app.request({ cmd: "wait", id, timeoutMs: 60_000 });
    const value = decode(reply.value as string) as { value: string; pid: number };
    assert.equal(value.value, "threaded");
    assert.equal(value.pid, app.pid);
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});
