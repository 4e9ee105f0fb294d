/**
 * autocron: background tasks and cron schedules for Bun, Deno and Node, stored in an
 * SQLite file and run by supervised worker processes.
 *
 * @example
 * import { delay, start } from "autocron";
 *
 * export const sendMail = delay(async function sendMail(to: string) { ... });
 * await start("project.db", { tasks: [new URL("./tasks.ts", import.meta.url)] });
 * const result = sendMail("a@example.org");
 * await result.wait({ timeoutMs: 10_000 });
 *
 * @module
 */

export { delay } from "./src/delay.ts";
export type { DelayedFunction, DelayOptions } from "./src/delay.ts";
export { cron } from "./src/cron.ts";
export type { CronHandle, CronOptions } from "./src/cron.ts";
export type { CronFields } from "./src/schedule.ts";
export { start, stop } from "./src/engine.ts";
export type { StartOptions, StopOptions } from "./src/engine.ts";
export { getResult, TaskResult } from "./src/task-result.ts";
export type { TaskStatus, WaitOptions } from "./src/task-result.ts";
export { TaskError, TaskTimeoutError } from "./src/errors.ts";
export type { BackoffOptions } from "./src/backoff.ts";
export type { LogEvent, LogFunction, LoggerOption, LogLevel } from "./src/logger.ts";
export type { Settings } from "./src/settings.ts";
export type { Isolation } from "./src/adapter.ts";
