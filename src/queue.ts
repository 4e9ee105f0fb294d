import type { Kysely } from "kysely";
import type { QueueAccess } from "./context.ts";
import { Enqueuer } from "./enqueuer.ts";
import { readResult, readTaskStatus } from "./store/results.ts";
import type { Database } from "./store/schema.ts";

/** The queue of an open database, for task wrappers and result handles. */
export interface OpenQueue extends QueueAccess {
  /** Resolves once every task enqueued so far is stored or has failed. */
  drain(): Promise<void>;
}

/** Opens queue access on `db`; `onCommitted` runs after each stored batch. */
export function createQueue(db: Kysely<Database>, onCommitted: (count: number) => void = () => undefined): OpenQueue {
  const enqueuer = new Enqueuer(db, onCommitted);
  return {
    enqueue: (task) => enqueuer.enqueue(task),
    readStatus: (id) => readTaskStatus(db, id, Date.now()),
    readResult: (id) => readResult(db, id, Date.now()),
    drain: () => enqueuer.drain(),
  };
}
