/**
 * The admin command: `autocron <database> <command>`. Runtime-neutral; the entry
 * point in cli-main.ts passes in the adapter of the runtime it runs on.
 */

import type { RuntimeAdapter } from "./adapter.ts";
import { COMMAND_HELP, GENERAL_HELP } from "./cli/help.ts";
import { openCommandDatabase } from "./cli/open-database.ts";
import { type CommandName, parseArguments, type ParsedArguments, UsageError } from "./cli/parse-arguments.ts";
import { showInfo, showResults, showTasks } from "./cli/read-commands.ts";
import { cancel, deleteDatabase, purge, retry, setDefaults, setSetting } from "./cli/write-commands.ts";
import { AdminActionError } from "./store/admin-actions.ts";
import { describeOpenError } from "./store/open-store.ts";

/** Exit status for errors in the arguments or the database. */
export const USAGE_ERROR = 2;

const DEFAULT_LIMIT = 50;
const READING: readonly CommandName[] = ["info", "tasks", "results"];

/** Runs the admin command with `args`; resolves with the exit status. */
export async function runCli(args: readonly string[], adapter: RuntimeAdapter, version: string): Promise<number> {
  const terminal = adapter.terminal;
  try {
    const parsed = parseArguments(args);
    if (parsed.version) {
      terminal.write(`autocron ${version} (${adapter.name})\n`);
      return 0;
    }
    if (parsed.help || parsed.database === undefined) {
      terminal.write(parsed.command ? COMMAND_HELP[parsed.command] : GENERAL_HELP);
      return parsed.help ? 0 : USAGE_ERROR;
    }
    if (parsed.command === undefined) {
      throw new UsageError(`no command given after the database; commands: info, tasks, results, set, retry, cancel, purge, delete-database`);
    }
    return await runCommand(parsed as ParsedArguments & { database: string; command: CommandName }, adapter);
  } catch (error) {
    terminal.writeError(`autocron: ${describeFailure(error)}\n`);
    return USAGE_ERROR;
  }
}

async function runCommand(parsed: ParsedArguments & { database: string; command: CommandName }, adapter: RuntimeAdapter): Promise<number> {
  const command = parsed.command;
  const terminal = adapter.terminal;
  if (command === "delete-database") {
    return await deleteDatabase(adapter, terminal, parsed.database, { yes: parsed.yes, json: parsed.json });
  }
  if (parsed.status !== undefined && command !== "results" && command !== "purge") {
    throw new UsageError(`--status applies to results and purge, not ${command}`);
  }
  if (command === "results" && parsed.status !== undefined && parsed.status !== "ready" && parsed.status !== "error") {
    throw new UsageError(`results --status must be ready or error, got "${parsed.status}"`);
  }

  const mode = READING.includes(command) ? "read" : "write";
  const { handle, path } = await openCommandDatabase(adapter, parsed.database, mode);
  try {
    const now = Date.now();
    const read = { handle, path, terminal, json: parsed.json, limit: parsed.limit ?? DEFAULT_LIMIT, now };
    const write = { handle, terminal, json: parsed.json, now };
    switch (command) {
      case "info":
        await showInfo(read);
        break;
      case "tasks":
        await showTasks(read);
        break;
      case "results":
        await showResults(read, parsed.status as "ready" | "error" | undefined);
        break;
      case "set":
        await setSetting(write, parsed.operands);
        break;
      case "set-defaults":
        await setDefaults(write);
        break;
      case "retry":
        await retry(write, parsed.operands);
        break;
      case "cancel":
        await cancel(write, parsed.operands);
        break;
      case "purge":
        await purge(write, parsed.status);
        break;
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof AdminActionError) throw error;
    throw describeOpenError(path, error);
  } finally {
    await handle.close();
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof UsageError || error instanceof AdminActionError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  // Messages from the store start with "autocron: " already, and so does the output line.
  return message.replace(/^autocron: /, "").split("\n")[0]!;
}
