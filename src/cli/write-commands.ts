/** The admin command's writing commands: set, set-defaults, retry, cancel, purge, delete-database. */

import type { RuntimeAdapter, SqliteHandle, Terminal } from "../adapter.ts";
import { resolveDatabaseLocation } from "../database-path.ts";
import { findSettingSpec } from "../settings.ts";
import { cancelTask, purgeResults, resolveTaskId, retryTask } from "../store/admin-actions.ts";
import { readSettings, resetSettings, writeSettings } from "../store/settings-store.ts";
import { UsageError } from "./parse-arguments.ts";
import { formatSettings } from "./read-commands.ts";
import { parseSettingValue } from "./setting-values.ts";

export interface WriteContext {
  handle: SqliteHandle;
  terminal: Terminal;
  json: boolean;
  now: number;
}

/** Sets one setting; a running app applies it on its next monitor tick. */
export async function setSetting(context: WriteContext, operands: string[]): Promise<void> {
  if (operands.length !== 2) {
    throw new UsageError("set needs a setting and a value, such as: set max-workers 4");
  }
  const { name, value } = parseSettingValue(operands[0]!, operands[1]!);
  await writeSettings(context.handle.db, { [name]: value });
  const option = findSettingSpec(name)!.option;
  report(context, { setting: option, value }, `set ${option} to ${typeof value === "boolean" ? (value ? "on" : "off") : value}`);
}

/** Resets every setting to its default. */
export async function setDefaults(context: WriteContext): Promise<void> {
  await resetSettings(context.handle.db);
  const settings = await readSettings(context.handle.db);
  report(context, { settings }, `reset all settings to their defaults:\n${formatSettings(settings).trimEnd()}`);
}

/** Runs a waiting task now, or puts a task in error back into the queue. */
export async function retry(context: WriteContext, operands: string[]): Promise<void> {
  const id = await resolveTaskId(context.handle.db, requireId("retry", operands));
  const outcome = await retryTask(context.handle.db, id, context.now);
  report(context, { id, outcome }, outcome === "requeued" ? `task ${id} is back in the queue` : `task ${id} is due now`);
}

/** Removes a waiting task from the queue; its result becomes an error. */
export async function cancel(context: WriteContext, operands: string[]): Promise<void> {
  const id = await resolveTaskId(context.handle.db, requireId("cancel", operands));
  const settings = await readSettings(context.handle.db);
  await cancelTask(context.handle.db, id, context.now, settings.resultTtlSeconds * 1_000);
  report(context, { id, outcome: "cancelled" }, `task ${id} is cancelled`);
}

/** Deletes stored results by status. */
export async function purge(context: WriteContext, status: string | undefined): Promise<void> {
  if (status !== "ready" && status !== "error" && status !== "all") {
    throw new UsageError(`purge needs --status ready, error or all${status === undefined ? "" : `, got "${status}"`}`);
  }
  const deleted = await purgeResults(context.handle.db, status);
  report(context, { deleted, status }, `deleted ${deleted} result(s) with status ${status}`);
}

/**
 * Deletes the database file with its -wal and -shm files, without opening it, so
 * that a damaged file can be removed too. Asks first unless `yes` is set.
 */
export async function deleteDatabase(
  adapter: RuntimeAdapter,
  terminal: Terminal,
  database: string,
  options: { yes: boolean; json: boolean },
): Promise<number> {
  const location = resolveDatabaseLocation(database, adapter.system, { createDirectory: false, checkDirectory: false });
  if (location.kind === "postgres") {
    throw new UsageError("delete-database works on SQLite files only");
  }
  const path = location.path;
  if (!adapter.system.exists(path)) {
    throw new UsageError(`database ${path} does not exist; nothing to delete`);
  }

  if (!options.yes) {
    // The reply may come from a terminal or a pipe; end of input counts as no.
    terminal.write(`delete ${path} and its -wal and -shm files? Running apps lose their queue. [y/N] `);
    const answer = (await terminal.readLine())?.trim().toLowerCase();
    if (answer !== "y" && answer !== "yes") {
      terminal.write("not deleted\n");
      return 1;
    }
  }

  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    adapter.system.removeFile(path + suffix);
  }
  terminal.write(options.json ? JSON.stringify({ deleted: path }) + "\n" : `deleted ${path}\n`);
  return 0;
}

function requireId(command: string, operands: string[]): string {
  if (operands.length !== 1) {
    throw new UsageError(`${command} needs one task id (a full id, or the …suffix the tables show)`);
  }
  return operands[0]!;
}

function report(context: WriteContext, json: Record<string, unknown>, text: string): void {
  context.terminal.write(context.json ? JSON.stringify(json) + "\n" : text + "\n");
}
