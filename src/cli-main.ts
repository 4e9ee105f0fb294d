#!/usr/bin/env node
/**
 * Entry point of the `autocron` admin command (the package's bin). It runs under
 * Node, Bun (bunx) and Deno (deno run npm:autocron) alike.
 */

import { runCli } from "./cli.ts";
import { loadAdapter } from "./runtime.ts";
import { VERSION } from "./version.ts";

const adapter = await loadAdapter();
const code = await runCli(adapter.terminal.args(), adapter, VERSION);
adapter.terminal.exit(code);
