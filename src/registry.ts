/**
 * The task registry: every function wrapped with `delay()` or `cron()` in this
 * process, by name. Workers look tasks up here after importing the task modules.
 */

import type { Backoff } from "./backoff.ts";

// deno-lint-ignore no-explicit-any
export type TaskFunction = (...args: any[]) => unknown;

export interface DelayedTaskDefinition {
  kind: "delay";
  name: string;
  fn: TaskFunction;
  /** Milliseconds from the call to the due time, or undefined when `at` is set. */
  delayMs: number;
  /** A fixed due time in UTC ms. */
  at: number | undefined;
  maxAttempts: number;
  backoff: Backoff;
  /** The backoff as stored with each task: null for the default, read back as the default. */
  storedBackoff: string | null;
  timeoutMs: number | null;
  priority: number;
}

export interface CronTaskDefinition {
  kind: "cron";
  name: string;
  fn: TaskFunction;
  /** The expression as the user wrote it, or built from the keyword form. */
  expression: string;
  /** The validated 6-field expression that is stored and computed. */
  schedule: string;
  timezone: string;
}

export type TaskDefinition = DelayedTaskDefinition | CronTaskDefinition;

export class TaskRegistry {
  readonly #tasks = new Map<string, TaskDefinition>();

  /** Adds a task; throws a `TypeError` when another task already has its name. */
  define(definition: TaskDefinition): void {
    const existing = this.#tasks.get(definition.name);
    if (existing && existing.fn !== definition.fn) {
      throw new TypeError(
        `${definition.kind}: a task named "${definition.name}" is already defined (with ${existing.kind}()); ` +
          `task names must be unique, so rename one function or pass { name: "..." } to tell them apart`,
      );
    }
    this.#tasks.set(definition.name, definition);
  }

  get(name: string): TaskDefinition | undefined {
    return this.#tasks.get(name);
  }

  get size(): number {
    return this.#tasks.size;
  }

  names(): string[] {
    return [...this.#tasks.keys()];
  }

  cronTasks(): CronTaskDefinition[] {
    return [...this.#tasks.values()].filter((task): task is CronTaskDefinition => task.kind === "cron");
  }
}

// The registry lives on globalThis so that two copies of this module (the package
// imported through two paths, say) still share one set of tasks.
const REGISTRY_KEY = Symbol.for("autocron.registry");

/** Returns the process-wide task registry. */
export function getRegistry(): TaskRegistry {
  const global = globalThis as { [REGISTRY_KEY]?: TaskRegistry };
  global[REGISTRY_KEY] ??= new TaskRegistry();
  return global[REGISTRY_KEY];
}
