/**
 * The one place that asks which runtime this is. Everything else in `src/` receives
 * the adapter that `loadAdapter()` returns and stays free of runtime APIs.
 */

import type { RuntimeAdapter, RuntimeName } from "./adapter.ts";

/** Names the runtime this process runs on. */
export function getRuntime(): RuntimeName {
  const global = globalThis as Record<string, unknown>;

  // Bun defines `process` too, so it must be recognised before Node.
  if (typeof global.Bun === "object" && global.Bun !== null) {
    return "bun";
  }

  // Deno defines `process` for npm packages, so it must also come before Node.
  if (typeof global.Deno === "object" && global.Deno !== null) {
    return "deno";
  }

  const process = global.process as { versions?: { node?: string } } | undefined;
  if (typeof process?.versions?.node === "string") {
    return "node";
  }

  throw new Error(
    "autocron: unsupported runtime; autocron runs on Bun, Deno and Node (no browsers or edge workers)",
  );
}

let adapterPromise: Promise<RuntimeAdapter> | undefined;

/** Loads the adapter of the current runtime, once per process. */
export function loadAdapter(): Promise<RuntimeAdapter> {
  adapterPromise ??= importAdapter(getRuntime());
  return adapterPromise;
}

async function importAdapter(runtime: RuntimeName): Promise<RuntimeAdapter> {
  // One literal import per runtime keeps bundlers and `tsc` able to follow them,
  // while only the current runtime's adapter is ever evaluated.
  switch (runtime) {
    case "bun":
      return (await import("../adapters/bun/index.ts")).adapter;
    case "deno":
      return (await import("../adapters/deno/index.ts")).adapter;
    case "node":
      return (await import("../adapters/node/index.ts")).adapter;
  }
}

/**
 * Returns the URL of a module next to `base`, with the extension `base` has. Sources
 * run as `.ts` (Bun, Deno, Node with tsx) and the published package as `.js`, and a
 * worker's entry must be the same copy of the core as the app's.
 */
export function siblingModuleUrl(base: string, relativePath: string): string {
  const extension = base.endsWith(".ts") ? ".ts" : ".js";
  return new URL(relativePath.replace(/\.ts$/, extension), base).href;
}
