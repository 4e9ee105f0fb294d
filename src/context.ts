/**
 * Process-wide state shared by the task wrappers and the engine: where delayed calls
 * go (the queue once it is open, a list of held calls before that) and whether
 * autocron is disabled.
 */

import { Logger } from "./logger.ts";
import type { StoreTicket } from "./store-ticket.ts";
import type { TaskStatus } from "./store/results.ts";
import type { ResultTable } from "./store/schema.ts";
import type { Selectable } from "kysely";

/** The queue as seen by task wrappers and result handles. */
export interface QueueAccess {
  /** Stores the ticket's task and settles the ticket once it is committed or failed. */
  enqueue(ticket: StoreTicket): void;
  readStatus(id: string): Promise<TaskStatus>;
  readResult(id: string): Promise<Selectable<ResultTable> | undefined>;
}

/** A delayed call made before `start()`, stored once the queue opens. */
export interface HeldCall {
  ticket: StoreTicket;
  /** Runs the call in this process instead, for when autocron turns out disabled. */
  runInline: () => void;
}

export interface EngineContext {
  queue: QueueAccess | undefined;
  disabled: boolean;
  held: HeldCall[];
  logger: Logger;
}

// On globalThis for the same reason as the registry: one state per process.
const CONTEXT_KEY = Symbol.for("autocron.context");

/** Returns the process-wide engine context. */
export function getContext(): EngineContext {
  const global = globalThis as { [CONTEXT_KEY]?: EngineContext };
  global[CONTEXT_KEY] ??= { queue: undefined, disabled: false, held: [], logger: new Logger() };
  return global[CONTEXT_KEY];
}
