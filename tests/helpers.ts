/**
 * Shared test helpers: temporary directories, fixture processes started under the
 * same runtime as the test, and direct reads of a queue database.
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Kysely } from "kysely";
import type { RuntimeName, SqliteHandle } from "../src/adapter.ts";
import { getRuntime, loadAdapter } from "../src/runtime.ts";
import type { Settings } from "../src/settings.ts";
import { openStore } from "../src/store/open-store.ts";
import type { Database } from "../src/store/schema.ts";
import { writeSettings } from "../src/store/settings-store.ts";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const FIXTURES = join(ROOT, "tests", "fixtures");
export const RUNTIME: RuntimeName = getRuntime();

/** Creates a fresh temporary directory; `cleanup()` removes it. */
export function makeTempDir(prefix = "autocron-test-"): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Returns the command that runs a TypeScript file under `runtime`. Deno gets all
 * permissions unless `denoFlags` lists the ones to grant.
 */
export function runtimeCommand(runtime: RuntimeName, script: string, denoFlags = ["-A"]): [string, string[]] {
  const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);
  switch (runtime) {
    case "node":
      return [runtime === RUNTIME ? process.execPath : "node", ["--import", "tsx", script]];
    case "bun":
      return [RUNTIME === "bun" ? process.execPath : bin("bun"), [script]];
    case "deno":
      return [RUNTIME === "deno" ? process.execPath : bin("deno"), ["run", ...denoFlags, script]];
  }
}

/** A fixture process with its output collected line by line. */
export class FixtureProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  #waiters: Array<() => void> = [];

  constructor(child: ChildProcess) {
    this.child = child;
    let stdoutRest = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      const parts = (stdoutRest + chunk).split("\n");
      stdoutRest = parts.pop()!;
      this.lines.push(...parts.filter((line) => line !== ""));
      this.#notify();
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      this.stderr.push(chunk);
      this.#notify();
    });
    this.exited = new Promise((resolve) => {
      child.once("close", (code, signal) => {
        this.#notify();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends one JSON command line to the fixture's stdin. */
  send(command: unknown): void {
    this.child.stdin!.write(JSON.stringify(command) + "\n");
  }

  /** Waits until a stdout line matches, and returns it; fails after `timeoutMs`. */
  async waitForLine(pattern: RegExp | ((line: string) => boolean), timeoutMs = 30_000, from = 0): Promise<string> {
    const matches = typeof pattern === "function" ? pattern : (line: string) => pattern.test(line);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(matches);
      if (found !== undefined) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no output line matched ${pattern} within ${timeoutMs} ms; stdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr.join("")}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a command and returns the parsed reply (a line `{"reply":n,...}`). */
  async request(command: Record<string, unknown>, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const reply = Math.random().toString(36).slice(2);
    this.send({ ...command, reply });
    const line = await this.waitForLine((text) => text.includes(`"reply":"${reply}"`), timeoutMs);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed.error !== undefined && command.expectError !== true) {
      throw new Error(`fixture command ${JSON.stringify(command)} failed: ${JSON.stringify(parsed.error)}`);
    }
    return parsed;
  }

  /** Ends the process with `signal` and waits for it, bounded. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
    }
    await withTimeout(this.exited, 15_000, `process ${this.pid} did not exit after ${signal}`);
  }

  #notify(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}

export interface FixtureOptions {
  env?: Record<string, string>;
  runtime?: RuntimeName;
  cwd?: string;
  denoFlags?: string[];
  /** A command that runs the fixture, such as ["setpriv", "--reuid=65534", ...]; see `shellPrefix`. */
  prefix?: string[];
}

/** Returns a command prefix that runs `script` in a shell first, then execs the fixture. */
export function shellPrefix(script: string): string[] {
  return ["sh", "-c", `${script} && exec "$@"`, "sh"];
}

/** Starts a script (a path under tests/fixtures/, or absolute) under the runtime of this test or another. */
export function startFixture(
  script: string,
  args: string[] = [],
  options: FixtureOptions = {},
): FixtureProcess {
  const path = isAbsolute(script) ? script : join(FIXTURES, script);
  const [runtime, runtimeArgs] = runtimeCommand(options.runtime ?? RUNTIME, path, options.denoFlags);
  const [command, ...commandArgs] = [...options.prefix ?? [], runtime, ...runtimeArgs, ...args];
  const child = spawn(command!, commandArgs, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  return new FixtureProcess(child);
}

/** Rejects with `message` when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns a value other than undefined or false; fails after `timeoutMs`. */
export async function waitUntil<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  description: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Opens a queue database the way autocron does, for reading its tables in a test. */
export async function openDatabase(path: string): Promise<SqliteHandle & { db: Kysely<Database> }> {
  const adapter = await loadAdapter();
  return await adapter.openSqlite(path);
}

/**
 * True while a process with this pid runs. A zombie (exited, not yet reaped by its
 * new parent after its own parent died) counts as ended.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // The state is the field after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/** Creates a queue database with the given settings before any app opens it. */
export async function prepareDatabase(path: string, settings: Partial<Settings>): Promise<void> {
  const handle = await openStore(await loadAdapter(), path);
  try {
    await writeSettings(handle.db, settings);
  } finally {
    await handle.close();
  }
}

/** Reads the live worker rows of a database. */
export async function readWorkers(path: string): Promise<Array<{ id: string; pid: number; supervisor: string }>> {
  const handle = await openDatabase(path);
  try {
    return await handle.db.selectFrom("autocron_workers").select(["id", "pid", "supervisor"]).execute();
  } finally {
    await handle.close();
  }
}

/** Reads the supervisor lease of a database, if any. */
export async function readSupervisor(path: string): Promise<{ owner: string; pid: number; expires_at: number } | undefined> {
  const handle = await openDatabase(path);
  try {
    return await handle.db.selectFrom("autocron_supervisors").select(["owner", "pid", "expires_at"]).executeTakeFirst();
  } finally {
    await handle.close();
  }
}

/** Starts the driver fixture on a database and waits until it reads commands. */
export async function startDriver(
  database: string,
  options: FixtureOptions = {},
): Promise<FixtureProcess> {
  const driver = startFixture("driver.ts", [database], options);
  await driver.waitForLine(/"event":"ready"/, 60_000);
  return driver;
}

/** Kills every fixture process given, ignoring those already gone. */
export async function killAll(...processes: Array<FixtureProcess | undefined>): Promise<void> {
  await Promise.all(processes.map((fixture) => fixture?.kill().catch(() => undefined)));
}

/** Reads a file's lines, or none when it does not exist yet. */
export function readLines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").filter((line) => line !== "");
  } catch {
    return [];
  }
}

/** Runs the admin command under the runtime of this test and returns its output and exit status. */
export function runCli(args: string[], options: { input?: string; env?: Record<string, string> } = {}): {
  status: number;
  stdout: string;
  stderr: string;
} {
  const [command, baseArgs] = runtimeCommand(RUNTIME, join(ROOT, "src", "cli-main.ts"));
  const result = spawnSync(command, [...baseArgs, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
