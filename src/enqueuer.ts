import type { Kysely } from "kysely";
import { insertTasks } from "./store/insert-tasks.ts";
import { adviseOnStorageError, retryWhenBusy } from "./store/storage-errors.ts";
import type { Database } from "./store/schema.ts";
import type { StoreTicket } from "./store-ticket.ts";

// A call that comes within this window after the previous write ended waits
// GROUP_COMMIT_DELAY_MS for more calls, which delays its storage by that much. An
// isolated call is written at once.
const GROUP_COMMIT_WINDOW_MS = 0.5;
const GROUP_COMMIT_DELAY_MS = 1;

/**
 * Collects delayed calls and stores them in batches: calls made in one turn of the
 * event loop share one transaction, and calls that arrive while a batch is being
 * written go into the next one. A request handler's call costs no database round
 * trip of its own.
 */
export class Enqueuer {
  readonly #db: Kysely<Database>;
  readonly #onCommitted: (count: number) => void;
  #pending: StoreTicket[] = [];
  #flushing: Promise<void> | undefined;
  #lastWriteEndedAt = Number.NEGATIVE_INFINITY;

  constructor(db: Kysely<Database>, onCommitted: (count: number) => void) {
    this.#db = db;
    this.#onCommitted = onCommitted;
  }

  /** Queues a task for the next batch; its ticket settles once the batch is committed. */
  enqueue(ticket: StoreTicket): void {
    this.#pending.push(ticket);
    this.#flushing ??= this.#flushSoon();
  }

  /** Resolves once every task queued so far is stored or has failed. */
  async drain(): Promise<void> {
    while (this.#flushing) {
      await this.#flushing;
    }
  }

  async #flushSoon(): Promise<void> {
    // Wait for the current turn to finish so that its calls share one batch. A call
    // right after the previous write means calls are coming fast, so it waits a
    // millisecond and the calls of that millisecond share one commit.
    const sinceLastWriteMs = performance.now() - this.#lastWriteEndedAt;
    if (sinceLastWriteMs < GROUP_COMMIT_WINDOW_MS) {
      await new Promise<void>((resolve) => setTimeout(resolve, GROUP_COMMIT_DELAY_MS));
    } else {
      await new Promise<void>((resolve) => queueMicrotask(resolve));
    }
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        await this.#write(batch);
      }
    } finally {
      this.#lastWriteEndedAt = performance.now();
      this.#flushing = undefined;
    }
  }

  async #write(batch: StoreTicket[]): Promise<void> {
    try {
      await retryWhenBusy(() => insertTasks(this.#db, batch.map((ticket) => ticket.task)));
    } catch (error) {
      const reason = adviseOnStorageError(error) ?? "storing it failed";
      const detail = error instanceof Error ? error.message : String(error);
      for (const ticket of batch) {
        const { id, name } = ticket.task;
        ticket.reject(new Error(`autocron: task ${id} (${name}) was not stored: ${reason} (${detail})`, { cause: error }));
      }
      return;
    }
    for (const ticket of batch) ticket.resolve();
    this.#onCommitted(batch.length);
  }
}
