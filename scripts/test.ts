/**
 * Runs the whole test suite on Node, Bun and Deno, each in its own process, after
 * type-checking and building the package. Prints a summary per runtime and, as its
 * last line, "N passed, N failed"; exits non-zero when anything failed.
 *
 * Usage: npm test [-- <test files>]
 *   AUTOCRON_TEST_RUNTIMES=node,bun   runs only these runtimes
 *
 * Tests are flat `test()` calls without `describe()`, because Deno reports a
 * describe block as one test with steps; that keeps the counts equal across runtimes.
 */

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

type Runtime = "node" | "bun" | "deno";

interface StepResult {
  name: string;
  passed: number;
  failed: number;
  seconds: number;
  note?: string;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");
const ALL_RUNTIMES: Runtime[] = ["node", "bun", "deno"];

// Bun's default per-test timeout is 5 s; tests bound their own waits instead.
const BUN_TEST_TIMEOUT_MS = 180_000;

function testFiles(): string[] {
  const requested = process.argv.slice(2);
  if (requested.length > 0) return requested.map((file) => relative(ROOT, join(process.cwd(), file)));
  return readdirSync(join(ROOT, "tests"))
    .filter((name) => name.endsWith(".test.ts"))
    .sort()
    .map((name) => join("tests", name));
}

function selectedRuntimes(): Runtime[] {
  const list = process.env.AUTOCRON_TEST_RUNTIMES;
  if (!list) return ALL_RUNTIMES;
  const runtimes = list.split(",").map((name) => name.trim());
  for (const runtime of runtimes) {
    if (!ALL_RUNTIMES.includes(runtime as Runtime)) {
      throw new Error(`AUTOCRON_TEST_RUNTIMES: unknown runtime "${runtime}"; use node, bun, deno`);
    }
  }
  return runtimes as Runtime[];
}

/** Runs a command with its output shown live and collected. */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on("error", (error) => resolve({ code: 127, output: `${output}\n${error.message}` }));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

async function buildStep(): Promise<StepResult> {
  const started = performance.now();
  console.log("\n=== type-check and build");
  const typecheck = await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"]);
  const build = typecheck.code === 0 ? await run(process.execPath, [join(ROOT, "scripts/build.mjs")]) : typecheck;
  const ok = typecheck.code === 0 && build.code === 0;
  return { name: "build", passed: ok ? 1 : 0, failed: ok ? 0 : 1, seconds: (performance.now() - started) / 1000 };
}

async function runtimeStep(runtime: Runtime, files: string[]): Promise<StepResult> {
  const started = performance.now();
  console.log(`\n=== ${runtime}`);
  const env = { AUTOCRON_TEST_RUNTIME: runtime, NO_COLOR: "1" };
  let counts: { passed: number; failed: number } | undefined;
  let code: number;

  if (runtime === "node") {
    const tapDir = mkdtempSync(join(tmpdir(), "autocron-tap-"));
    const tapFile = join(tapDir, "report.tap");
    const result = await run(process.execPath, [
      "--import",
      "tsx",
      "--test",
      "--test-concurrency=1",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=tap",
      `--test-reporter-destination=${tapFile}`,
      ...files,
    ], env);
    code = result.code;
    counts = parseNodeTap(readFileSafe(tapFile));
    rmSync(tapDir, { recursive: true, force: true });
  } else if (runtime === "bun") {
    const result = await run(join(BIN, "bun"), ["test", `--timeout=${BUN_TEST_TIMEOUT_MS}`, ...files.map((file) => `./${file}`)], env);
    code = result.code;
    counts = parseBun(result.output);
  } else {
    const result = await run(join(BIN, "deno"), ["test", "-A", "--no-check", ...files], env);
    code = result.code;
    counts = parseDeno(result.output);
  }

  const seconds = (performance.now() - started) / 1000;
  if (!counts) {
    return { name: runtime, passed: 0, failed: 1, seconds, note: `no test summary found (exit code ${code})` };
  }
  if (code !== 0 && counts.failed === 0) {
    return { ...counts, name: runtime, failed: 1, seconds, note: `exit code ${code} with no failed test reported` };
  }
  return { ...counts, name: runtime, seconds };
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function parseNodeTap(tap: string): { passed: number; failed: number } | undefined {
  const read = (key: string) => Number(new RegExp(`^# ${key} (\\d+)$`, "m").exec(tap)?.[1] ?? NaN);
  const passed = read("pass");
  if (Number.isNaN(passed)) return undefined;
  return { passed, failed: read("fail") + read("cancelled") };
}

// Runtimes color their output even when it goes to a pipe; the counts are read without colors.
function stripColors(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

function parseBun(raw: string): { passed: number; failed: number } | undefined {
  const output = stripColors(raw);
  const passed = /^\s*(\d+) pass$/m.exec(output);
  const failed = /^\s*(\d+) fail$/m.exec(output);
  if (!passed) return undefined;
  return { passed: Number(passed[1]), failed: Number(failed?.[1] ?? 0) };
}

function parseDeno(raw: string): { passed: number; failed: number } | undefined {
  const output = stripColors(raw);
  // "ok | 12 passed | 0 failed (3s)" or "FAILED | 11 passed | 1 failed (3s)"
  const match = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(output);
  if (!match) return undefined;
  return { passed: Number(match[1]), failed: Number(match[2]) };
}

async function main(): Promise<void> {
  const files = testFiles();
  const results: StepResult[] = [await buildStep()];
  if (results[0]!.failed === 0) {
    for (const runtime of selectedRuntimes()) {
      results.push(await runtimeStep(runtime, files));
    }
  }

  console.log("\n=== summary");
  for (const result of results) {
    const note = result.note ? ` (${result.note})` : "";
    console.log(`${result.name}: ${result.passed} passed, ${result.failed} failed in ${result.seconds.toFixed(1)} s${note}`);
  }
  const passed = results.reduce((sum, result) => sum + result.passed, 0);
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
