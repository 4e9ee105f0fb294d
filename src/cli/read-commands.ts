/** The admin command's reading commands: info, tasks and results. */

import type { Selectable } from "kysely";
import type { SqliteHandle, Terminal } from "../adapter.ts";
import { decodeArguments } from "../codec.ts";
import { nextRuns } from "../schedule.ts";
import { SETTING_SPECS, type Settings } from "../settings.ts";
import { listQueuedTasks, listResults, readQueueOverview } from "../store/inspect-queue.ts";
import { readSchemaVersion } from "../store/migrate.ts";
import type { TaskTable } from "../store/schema.ts";
import { readSettings } from "../store/settings-store.ts";
import { cut, describeLocalZone, formatDuration, formatLocal, formatTable, formatUtc, shortId } from "./format.ts";

export interface ReadContext {
  handle: SqliteHandle;
  path: string;
  terminal: Terminal;
  json: boolean;
  limit: number;
  now: number;
}

/** Prints the database, its settings, the supervisor, the workers and counts. */
export async function showInfo(context: ReadContext): Promise<void> {
  const { handle, now } = context;
  const settings = await readSettings(handle.db);
  const overview = await readQueueOverview(handle.db);
  const info = {
    database: context.path,
    schemaVersion: await readSchemaVersion(handle.db),
    settings,
    supervisors: overview.supervisors.map((lease) => ({
      host: lease.host,
      pid: lease.pid,
      owner: lease.owner,
      startedAt: new Date(lease.started_at).toISOString(),
      leaseExpiresAt: new Date(lease.expires_at).toISOString(),
      expired: lease.expires_at < now,
    })),
    workers: overview.workers.map((worker) => ({
      id: worker.id,
      pid: worker.pid,
      host: worker.host,
      isolation: worker.isolation,
      since: new Date(worker.started_at).toISOString(),
      tasks: worker.tasks.map((task) => ({ id: task.id, name: task.name })),
    })),
    counts: overview.counts,
  };
  if (context.json) {
    context.terminal.write(JSON.stringify(info, null, 2) + "\n");
    return;
  }

  const lines = [
    `database        ${info.database}`,
    `schema version  ${info.schemaVersion}`,
    "",
    "settings",
    ...formatSettings(settings).split("\n").filter(Boolean).map((line) => `  ${line}`),
    "",
  ];
  if (overview.supervisors.length === 0) {
    lines.push("supervisor      none (no app process has started workers)");
  }
  for (const lease of overview.supervisors) {
    const left = lease.expires_at - now;
    const state = left >= 0 ? `lease expires in ${formatDuration(left)}` : `lease expired ${formatDuration(-left)} ago`;
    lines.push(`supervisor      pid ${lease.pid} on ${lease.host}, ${state}`);
  }
  lines.push(`workers         ${overview.workers.length} running`);
  if (overview.workers.length > 0) {
    const rows = overview.workers.map((worker) => [
      worker.id,
      String(worker.pid),
      formatLocal(worker.started_at),
      worker.tasks.map((task) => `${task.name} ${shortId(task.id)}`).join(", ") || "idle",
    ]);
    const table = formatTable(
      [{ header: "ID" }, { header: "PID", align: "right" }, { header: "SINCE" }, { header: "TASK", flexible: true }],
      rows,
      78,
    );
    lines.push(...table.trimEnd().split("\n").map((line) => `  ${line}`));
  }
  const { counts } = overview;
  lines.push(
    `tasks           ${counts.waiting} waiting, ${counts.processing} processing, ${counts.cron} cron`,
    `results         ${counts.ready} ready, ${counts.error} error`,
  );
  context.terminal.write(lines.join("\n") + "\n");
}

/** Formats settings as "name  value" lines in their command-line spelling. */
export function formatSettings(settings: Settings): string {
  const width = Math.max(...SETTING_SPECS.map((spec) => spec.option.length));
  return SETTING_SPECS.map((spec) => {
    const value = settings[spec.name];
    return `${spec.option.padEnd(width)}  ${typeof value === "boolean" ? (value ? "on" : "off") : value}`;
  }).join("\n") + "\n";
}

/** Prints queued delayed tasks and cron tasks with their next runs. */
export async function showTasks(context: ReadContext): Promise<void> {
  const tasks = await listQueuedTasks(context.handle.db, context.limit);
  const delayed = tasks.filter((task) => task.kind === "delay");
  const crons = tasks.filter((task) => task.kind === "cron");

  if (context.json) {
    const output = {
      delayed: delayed.map((task) => ({
        id: task.id,
        name: task.name,
        status: task.status,
        dueAt: new Date(task.due_at).toISOString(),
        attempts: task.attempts,
        maxAttempts: task.max_attempts,
        priority: task.priority,
        args: previewArguments(task, 200),
      })),
      cron: crons.map((task) => ({
        name: task.name,
        schedule: task.schedule,
        timezone: task.timezone,
        status: task.status,
        nextRuns: [task.due_at, ...nextRuns(task.schedule!, task.timezone!, 2, new Date(task.due_at)).map((date) => date.getTime())]
          .map((ms) => new Date(ms).toISOString()),
        lastRunAt: task.last_run_at === null ? null : new Date(task.last_run_at).toISOString(),
        lastError: task.last_error === null ? null : (JSON.parse(task.last_error) as { message: string }).message,
      })),
    };
    context.terminal.write(JSON.stringify(output, null, 2) + "\n");
    return;
  }

  const out: string[] = [`due times in local time (${describeLocalZone()}) and in UTC`, ""];
  if (delayed.length === 0) {
    out.push("no delayed tasks in the queue");
  } else {
    out.push(formatTable(
      [{ header: "ID" }, { header: "DUE (LOCAL)" }, { header: "DUE (UTC)" }, { header: "NAME", flexible: true }, { header: "TRY", align: "right" }, { header: "ARGS", flexible: true }],
      delayed.map((task) => [
        shortId(task.id),
        formatLocal(task.due_at),
        formatUtc(task.due_at),
        task.status === "processing" ? `${task.name} (running)` : task.name,
        String(task.attempts),
        previewArguments(task, 60),
      ]),
    ).trimEnd());
  }
  out.push("");
  if (crons.length === 0) {
    out.push("no cron tasks");
  } else {
    const rows: string[][] = [];
    for (const task of crons) {
      const runs = [task.due_at, ...nextRuns(task.schedule!, task.timezone!, 2, new Date(task.due_at)).map((date) => date.getTime())];
      runs.forEach((run, index) => {
        rows.push(index === 0 ? [task.name, task.schedule!, task.timezone!, formatLocal(run), formatUtc(run)] : ["", "", "", formatLocal(run), formatUtc(run)]);
      });
    }
    out.push(formatTable(
      [{ header: "CRON", flexible: true }, { header: "SCHEDULE", flexible: true }, { header: "ZONE", flexible: true }, { header: "NEXT (LOCAL)" }, { header: "NEXT (UTC)" }],
      rows,
    ).trimEnd());
  }
  context.terminal.write(out.join("\n") + "\n");
}

/** Prints recent results with status, duration and error message. */
export async function showResults(context: ReadContext, status: "ready" | "error" | undefined): Promise<void> {
  const results = await listResults(context.handle.db, context.limit, status);
  const view = results.map((result) => {
    const error = result.error === null ? null : JSON.parse(result.error) as { name: string; message: string };
    return {
      id: result.id,
      name: result.name,
      status: result.status,
      attempts: result.attempts,
      durationMs: result.started_at === null ? null : result.finished_at - result.started_at,
      finishedAt: new Date(result.finished_at).toISOString(),
      expiresAt: new Date(result.expires_at).toISOString(),
      error: error === null ? null : `${error.name}: ${error.message}`,
    };
  });
  if (context.json) {
    context.terminal.write(JSON.stringify(view, null, 2) + "\n");
    return;
  }
  if (view.length === 0) {
    context.terminal.write("no results stored\n");
    return;
  }
  context.terminal.write(formatTable(
    [{ header: "ID" }, { header: "NAME", flexible: true }, { header: "STATUS" }, { header: "TIME", align: "right" }, { header: "FINISHED" }, { header: "ERROR", flexible: true }],
    view.map((result) => [
      shortId(result.id),
      result.name,
      result.status,
      result.durationMs === null ? "-" : formatDuration(result.durationMs),
      formatLocal(Date.parse(result.finishedAt)),
      result.error ?? "",
    ]),
  ));
}

/** Returns a one-line preview of a task's arguments, cut to `width`. */
function previewArguments(task: Selectable<TaskTable>, width: number): string {
  try {
    const text = decodeArguments(task.args).map((value) => previewValue(value)).join(", ");
    return cut(text, width);
  } catch {
    return cut(task.args, width);
  }
}

function previewValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return `Map(${value.size})`;
  if (value instanceof Set) return `Set(${value.size})`;
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
