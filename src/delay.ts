import { type BackoffOptions, validateBackoff } from "./backoff.ts";
import { encodeArguments } from "./codec.ts";
import { getContext } from "./context.ts";
import { describe } from "./describe.ts";
import { createTaskId } from "./ids.ts";
import { InlineRun } from "./inline-run.ts";
import { settledTicket, StoreTicket } from "./store-ticket.ts";
import { type DelayedTaskDefinition, getRegistry, type TaskFunction } from "./registry.ts";
import type { NewTask } from "./store/insert-tasks.ts";
import { queueResultSource, type ResultSource, TaskResult } from "./task-result.ts";
import { resolveTaskName } from "./task-name.ts";

/** Options of `delay()`. Durations add up; `at` replaces them. */
export interface DelayOptions {
  /** The task's name; defaults to the function's name. */
  name?: string;
  seconds?: number;
  minutes?: number;
  hours?: number;
  days?: number;
  weeks?: number;
  /** Run at this time instead of after a duration. */
  at?: Date;
  /** How many times a failed attempt is tried again. Default 0. */
  retries?: number;
  /** The wait between attempts. Default: exponential from 1 s with jitter. */
  backoff?: BackoffOptions;
  /** Fail an attempt that runs longer than this many ms. Default: no limit. */
  timeoutMs?: number;
  /** Higher runs first among due tasks. Default 0. */
  priority?: number;
}

/** A wrapped function: calling it stores a task and returns its handle at once. */
export type DelayedFunction<A extends unknown[], R> = ((...args: A) => TaskResult<Awaited<R>>) & {
  /** The name the task is stored and looked up under. */
  readonly taskName: string;
};

const DURATION_UNITS_MS = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
} as const;

/**
 * Wraps a function so that calling it runs it in a worker instead of the caller.
 * The call returns a `TaskResult` at once; the function is always the last argument.
 *
 * @example
 * export const resize = delay({ retries: 3 }, async function resize(path: string) { ... });
 * const result = resize("photo.jpg");
 */
export function delay<A extends unknown[], R>(fn: (...args: A) => R): DelayedFunction<A, R>;
export function delay<A extends unknown[], R>(options: DelayOptions, fn: (...args: A) => R): DelayedFunction<A, R>;
export function delay(optionsOrFn: unknown, maybeFn?: unknown): DelayedFunction<unknown[], unknown> {
  const [options, fn] = typeof optionsOrFn === "function" && maybeFn === undefined
    ? [{} as DelayOptions, optionsOrFn]
    : [optionsOrFn as DelayOptions, maybeFn];

  if (typeof fn !== "function") {
    throw new TypeError(`delay: the last argument must be the task function, got ${describe(fn)}`);
  }
  const definition = buildDefinition(options, fn as TaskFunction);
  getRegistry().define(definition);

  const wrapper = (...args: unknown[]) => callDelayed(definition, args);
  Object.defineProperty(wrapper, "name", { value: definition.name });
  Object.defineProperty(wrapper, "taskName", { value: definition.name, enumerable: true });
  return wrapper as DelayedFunction<unknown[], unknown>;
}

function buildDefinition(options: unknown, fn: TaskFunction): DelayedTaskDefinition {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`delay: options must be an object such as { minutes: 5 }, got ${describe(options)}`);
  }
  const known = new Set(["name", "at", "retries", "backoff", "timeoutMs", "priority", ...Object.keys(DURATION_UNITS_MS)]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new TypeError(`delay: unknown option "${key}"; valid options are ${[...known].join(", ")}`);
    }
  }

  const opts = options as DelayOptions;
  const name = resolveTaskName("delay", fn, opts.name);
  const { delayMs, at } = readDueOptions(opts, name);
  const backoff = validateBackoff(opts.backoff, name);

  return {
    kind: "delay",
    name,
    fn,
    delayMs,
    at,
    maxAttempts: readInteger(opts.retries, "retries", name, 0, 0) + 1,
    backoff,
    storedBackoff: opts.backoff === undefined ? null : JSON.stringify(backoff),
    timeoutMs: opts.timeoutMs === undefined ? null : readInteger(opts.timeoutMs, "timeoutMs", name, 1, 1),
    priority: readInteger(opts.priority, "priority", name, 0, -1_000_000, 1_000_000),
  };
}

function readDueOptions(options: DelayOptions, name: string): { delayMs: number; at: number | undefined } {
  let delayMs = 0;
  let hasDuration = false;
  for (const [unit, factor] of Object.entries(DURATION_UNITS_MS)) {
    const value = options[unit as keyof typeof DURATION_UNITS_MS];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`delay: ${unit} of task "${name}" must be a finite number >= 0, got ${describe(value)}`);
    }
    delayMs += value * factor;
    hasDuration = true;
  }

  if (options.at === undefined) {
    return { delayMs: Math.round(delayMs), at: undefined };
  }
  if (!(options.at instanceof Date) || Number.isNaN(options.at.getTime())) {
    throw new TypeError(`delay: at of task "${name}" must be a valid Date, got ${describe(options.at)}`);
  }
  if (hasDuration) {
    throw new TypeError(`delay: task "${name}" sets both at and a duration; use one of them`);
  }
  return { delayMs: 0, at: options.at.getTime() };
}

function readInteger(value: unknown, option: string, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`delay: ${option} of task "${name}" must be a whole number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function callDelayed(definition: DelayedTaskDefinition, args: unknown[]): TaskResult<unknown> {
  const now = Date.now();
  const id = createTaskId(now);
  const task: NewTask = {
    id,
    name: definition.name,
    kind: "delay",
    // Encoding here, in the caller, makes a bad argument fail at the call site.
    args: encodeArguments(args, definition.name),
    status: "waiting",
    priority: definition.priority,
    due_at: definition.at ?? now + definition.delayMs,
    max_attempts: definition.maxAttempts,
    backoff: definition.storedBackoff,
    timeout_ms: definition.timeoutMs,
    created_at: now,
  };

  const context = getContext();
  if (context.disabled) {
    const run = new InlineRun(definition, task.args);
    return new TaskResult(id, definition.name, settledTicket(task), () => run.source);
  }

  const ticket = new StoreTicket(task);
  let inline: InlineRun | undefined;
  if (context.queue) {
    context.queue.enqueue(ticket);
  } else {
    context.held.push({
      ticket,
      runInline: () => {
        inline = new InlineRun(definition, task.args);
        ticket.resolve();
      },
    });
  }

  const source = (): ResultSource => inline?.source ?? queueResultSource();
  return new TaskResult(id, definition.name, ticket, source);
}
