import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { makeTempDir, ROOT, RUNTIME } from "./helpers.ts";

const CONSUMER_TASKS = `
import { delay } from "autocron";
export const double = delay(function double(n) {
  return { doubled: n * 2, pid: process.pid };
});
`;

const CONSUMER_APP = `
import process from "node:process";
import { start, stop } from "autocron";
import { double } from "./tasks.js";

await start(process.argv[2], { tasks: [new URL("./tasks.js", import.meta.url)], workers: 1 });
const value = await double(21).wait({ timeoutMs: 60000 });
await stop();
console.log(JSON.stringify({ ...value, appPid: process.pid }));
`;

const CONSUMER_TYPES = `
import { delay, getResult, type TaskResult } from "autocron";

const greet = delay({ retries: 1 }, async function greet(name: string) {
  return { greeting: "hello " + name };
});
const result: TaskResult<{ greeting: string }> = greet("typed");
// @ts-expect-error greet takes a string
greet(42);
const other: TaskResult<number> = getResult<number>(result.id);
export { other };
`;

/** Packs the package and installs the tarball into a new project, as a user would. */
function installPackedPackage(project: string): void {
  if (!existsSync(join(ROOT, "dist", "mod.js"))) {
    throw new Error("dist/ is missing; run npm run build (npm test does) before this test");
  }
  const tarball = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", project], {
    cwd: ROOT,
    encoding: "utf8",
  }).trim().split("\n").pop()!;

  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", join(project, tarball)],
    { cwd: project, stdio: "pipe" },
  );

  // better-sqlite3 is an optional peer dependency that Node 20 users install
  // themselves; linking the repository's copy saves compiling it again.
  symlinkSync(join(ROOT, "node_modules", "better-sqlite3"), join(project, "node_modules", "better-sqlite3"), "dir");
}

function runtimeArgs(script: string, database: string): [string, string[]] {
  switch (RUNTIME) {
    case "node":
      return [process.execPath, [script, database]];
    case "bun":
      return [process.execPath, [script, database]];
    case "deno":
      return [process.execPath, ["run", "-A", script, database]];
  }
}

test(`packed package runs a task on ${RUNTIME}`, { timeout: 240_000 }, () => {
  const dir = makeTempDir("autocron-package-");
  try {
    installPackedPackage(dir.path);
    const installed = readdirSync(join(dir.path, "node_modules", "autocron"));
    assert.ok(installed.includes("dist"), `the package contains ${installed.join(", ")}`);
    assert.ok(!installed.includes("src"), "sources are not published to npm");
    assert.ok(!installed.includes("tests"), "tests are not published to npm");

    writeFileSync(join(dir.path, "tasks.js"), CONSUMER_TASKS);
    writeFileSync(join(dir.path, "app.js"), CONSUMER_APP);
    const [command, args] = runtimeArgs(join(dir.path, "app.js"), join(dir.path, "queue.db"));
    const output = execFileSync(command, args, { cwd: dir.path, encoding: "utf8", timeout: 120_000 });
    const value = JSON.parse(output.trim().split("\n").pop()!) as { doubled: number; pid: number; appPid: number };
    assert.equal(value.doubled, 42);
    assert.notEqual(value.pid, value.appPid);

    // The package's bin: on Node through the .bin link and its "node" shebang, as
    // npx runs it; on Bun and Deno by path under that runtime.
    const database = join(dir.path, "queue.db");
    const cliPath = join(dir.path, "node_modules", "autocron", "dist", "src", "cli-main.js");
    const [cliCommand, cliArgs] = RUNTIME === "node"
      ? [join(dir.path, "node_modules", ".bin", "autocron"), [database]]
      : runtimeArgs(cliPath, database);
    const info = execFileSync(cliCommand, [...cliArgs, "info", "--json"], { cwd: dir.path, encoding: "utf8" });
    assert.equal((JSON.parse(info) as { counts: { ready: number } }).counts.ready, 1);
  } finally {
    dir.cleanup();
  }
});

test("packed package ships types that tsc checks", { timeout: 240_000 }, () => {
  const dir = makeTempDir("autocron-package-");
  try {
    installPackedPackage(dir.path);
    writeFileSync(join(dir.path, "consumer.ts"), CONSUMER_TYPES);
    writeFileSync(
      join(dir.path, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, noEmit: true, skipLibCheck: false, types: [] },
        files: ["consumer.ts"],
      }),
    );
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const node = RUNTIME === "node" ? process.execPath : "node";
    try {
      execFileSync(node, [tsc, "-p", join(dir.path, "tsconfig.json")], { cwd: dir.path, encoding: "utf8" });
    } catch (error) {
      assert.fail(`tsc rejected the published types:\n${(error as { stdout?: string }).stdout}`);
    }
  } finally {
    dir.cleanup();
  }
});

test("package files share one version", async () => {
  const npmVersion = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
  const jsrVersion = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).version;
  const { VERSION } = await import("../src/version.ts");
  assert.equal(jsrVersion, npmVersion, "run node scripts/sync-version.mjs");
  assert.equal(VERSION, npmVersion, "run node scripts/sync-version.mjs");
});
