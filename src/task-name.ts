import { describe } from "./describe.ts";

/**
 * Returns a task's name: `name` when given, else the function's own name. Throws a
 * `TypeError` for a function without a name, because workers find tasks by name.
 */
export function resolveTaskName(kind: "delay" | "cron", fn: (...args: never[]) => unknown, name: unknown): string {
  if (name !== undefined) {
    if (typeof name !== "string" || name.trim() === "") {
      throw new TypeError(`${kind}: name must be a non-empty string, got ${describe(name)}`);
    }
    return name;
  }
  if (fn.name === "" || fn.name === "anonymous") {
    throw new TypeError(
      `${kind}: the task function has no name, and workers find tasks by name; pass a named function ` +
        `(${kind}(function sendMail() { ... })) or set the name option`,
    );
  }
  return fn.name;
}
