import type { RuntimeAdapter } from "../../src/adapter.ts";
import { processSpawner, threadSpawner } from "./spawn.ts";
import { signals } from "./signals.ts";
import { openPlainSqlite, openSqlite } from "./sqlite.ts";
import { system } from "./system.ts";
import { terminal } from "./terminal.ts";

export const adapter: RuntimeAdapter = {
  name: "deno",
  system,
  terminal,
  signals,
  openSqlite,
  openPlainSqlite,
  spawner: (isolation) => isolation === "thread" ? threadSpawner : processSpawner,
};
