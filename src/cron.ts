import { describe } from "./describe.ts";
import { getRegistry, type TaskFunction } from "./registry.ts";
import {
  type CronFields,
  defaultTimezone,
  fieldsToExpression,
  nextRuns,
  normalizeExpression,
  validateTimezone,
} from "./schedule.ts";
import { resolveTaskName } from "./task-name.ts";

export interface CronOptions {
  /** IANA zone the schedule is computed in. Default: the zone of the process that defines it. */
  timezone?: string;
  /** The task's name; defaults to the function's name. */
  name?: string;
}

/** A defined cron task. */
export interface CronHandle {
  readonly name: string;
  /** The expression as given, or built from the keyword form (6 fields, seconds first). */
  readonly expression: string;
  readonly timezone: string;
  /**
   * Returns the next `count` planned runs strictly after `after` (default now),
   * computed the same way the scheduler computes them.
   */
  nextRuns(count: number, after?: Date): Date[];
}

/**
 * Runs a function on a schedule in a worker. The schedule is a 5-field cron
 * expression (minute hour day-of-month month day-of-week), optionally with a leading
 * seconds field, or the keyword form `{ minutes: [0, 30], hours: [8] }`. The
 * function takes no arguments and is always the last argument.
 */
export function cron(schedule: string | CronFields, fn: () => unknown): CronHandle;
export function cron(schedule: string | CronFields, options: CronOptions, fn: () => unknown): CronHandle;
export function cron(schedule: unknown, optionsOrFn: unknown, maybeFn?: unknown): CronHandle {
  const [options, fn] = typeof optionsOrFn === "function" && maybeFn === undefined
    ? [{} as CronOptions, optionsOrFn]
    : [optionsOrFn as CronOptions, maybeFn];

  if (typeof fn !== "function") {
    throw new TypeError(`cron: the last argument must be the task function, got ${describe(fn)}`);
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`cron: options must be an object such as { timezone: "UTC" }, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== "timezone" && key !== "name") {
      throw new TypeError(`cron: unknown option "${key}"; valid options are timezone, name`);
    }
  }

  const name = resolveTaskName("cron", fn as TaskFunction, options.name);
  if (fn.length > 0) {
    throw new TypeError(
      `cron: task "${name}" declares ${fn.length} parameter(s), but cron functions are called without arguments`,
    );
  }

  const expression = typeof schedule === "object" && schedule !== null && !Array.isArray(schedule)
    ? fieldsToExpression(schedule as CronFields)
    : (schedule as string);
  const normalized = normalizeExpression(expression);
  const timezone = options.timezone === undefined ? defaultTimezone() : validateTimezone(options.timezone);

  getRegistry().define({ kind: "cron", name, fn: fn as TaskFunction, expression, schedule: normalized, timezone });

  return Object.freeze({
    name,
    expression,
    timezone,
    nextRuns(count: number, after: Date = new Date()): Date[] {
      if (!Number.isInteger(count) || count < 0 || count > 10_000) {
        throw new RangeError(`CronHandle.nextRuns: count must be a whole number from 0 to 10000, got ${describe(count)}`);
      }
      if (!(after instanceof Date) || Number.isNaN(after.getTime())) {
        throw new TypeError(`CronHandle.nextRuns: after must be a valid Date, got ${describe(after)}`);
      }
      return nextRuns(normalized, timezone, count, after);
    },
  });
}
