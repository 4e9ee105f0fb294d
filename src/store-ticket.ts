import { getContext } from "./context.ts";
import type { NewTask } from "./store/insert-tasks.ts";

/**
 * The storing of one delayed call: the promise behind `TaskResult.enqueued` and the
 * functions that settle it. A plain object instead of `.then()` chains, because a
 * burst of calls pays for every promise reaction.
 */
export class StoreTicket {
  readonly task: NewTask;
  readonly promise: Promise<void>;
  /** True once the task is committed. */
  stored = false;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;

  constructor(task: NewTask) {
    this.task = task;
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Settles the ticket as stored. */
  resolve(): void {
    this.stored = true;
    this.#resolve();
  }

  /**
   * Settles the ticket as failed and logs why. The app need not await `enqueued`: a
   * handler is attached first, so the failure never becomes an unhandled rejection
   * that ends the process, and the log line still reports it.
   */
  reject(error: unknown): void {
    this.promise.catch(() => undefined);
    const message = error instanceof Error ? error.message.replace(/^autocron: /, "") : String(error);
    getContext().logger.error(message, { taskId: this.task.id, task: this.task.name });
    this.#reject(error);
  }
}

/** A ticket for a call that needs no storing (run inline, or looked up by id). */
export function settledTicket(task: Pick<NewTask, "id" | "name">): StoreTicket {
  const ticket = new StoreTicket(task as NewTask);
  ticket.resolve();
  return ticket;
}
