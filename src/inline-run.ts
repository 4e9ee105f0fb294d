import { decode, decodeArguments, encode } from "./codec.ts";
import { type StoredError, serializeError } from "./errors.ts";
import type { TaskDefinition } from "./registry.ts";
import type { ResultSource, TaskOutcomeView } from "./task-result.ts";

/**
 * A delayed call run in the caller's process because autocron is disabled. The
 * arguments and the result go through the same encoding as stored tasks, so a task
 * receives the same copies and types either way.
 *
 * NOTE: an inline run gets one attempt; `retries` and `timeoutMs` apply to workers only.
 */
export class InlineRun {
  readonly #done: Promise<TaskOutcomeView>;

  constructor(definition: TaskDefinition, encodedArgs: string) {
    this.#done = run(definition, encodedArgs);
  }

  /** Reads the outcome; both methods wait for the run to finish. */
  get source(): ResultSource {
    return {
      status: async () => (await this.#done).status,
      outcome: async () => await this.#done,
    };
  }
}

async function run(definition: TaskDefinition, encodedArgs: string): Promise<TaskOutcomeView> {
  try {
    const value = await definition.fn(...decodeArguments(encodedArgs));
    return { status: "ready", value: decode(encode(value, `the result of task "${definition.name}"`)) };
  } catch (error) {
    const stored: StoredError = serializeError(error);
    return { status: "error", error: stored, attempts: 1, taskName: definition.name };
  }
}
