/**
 * The supervisor-to-worker link for process workers: JSON lines on the child's
 * stdin. The first line is the start message `{ entry, init }`; the others are
 * `ParentMessage`s. End of input means the supervisor is gone, however it ended,
 * which is how workers notice even a SIGKILL of the app.
 */

import type { ParentChannel, ParentMessage, WorkerInit } from "./adapter.ts";

/** The first line a process worker reads. */
export interface StartMessage {
  entry: string;
  init: WorkerInit;
}

/** Splits text chunks into complete lines. */
export class LineSplitter {
  #buffer = "";

  push(chunk: string): string[] {
    this.#buffer += chunk;
    const lines = this.#buffer.split("\n");
    this.#buffer = lines.pop()!;
    return lines.filter((line) => line.trim() !== "");
  }
}

/** A `ParentChannel` fed by the bootstrap; messages that arrive early are queued. */
export class QueuedChannel implements ParentChannel {
  #onMessage: ((message: ParentMessage) => void) | undefined;
  #onDisconnect: (() => void) | undefined;
  readonly #queued: ParentMessage[] = [];
  #disconnected = false;

  onMessage(handler: (message: ParentMessage) => void): void {
    this.#onMessage = handler;
    for (const message of this.#queued.splice(0)) handler(message);
  }

  onDisconnect(handler: () => void): void {
    this.#onDisconnect = handler;
    if (this.#disconnected) handler();
  }

  receive(message: ParentMessage): void {
    if (this.#onMessage) {
      this.#onMessage(message);
    } else {
      this.#queued.push(message);
    }
  }

  disconnect(): void {
    if (this.#disconnected) return;
    this.#disconnected = true;
    this.#onDisconnect?.();
  }
}

/**
 * Imports the worker entry named in the start message and runs it. Resolves with
 * the exit code the bootstrap should end its process with.
 */
export async function runFromStartMessage(start: StartMessage, channel: ParentChannel): Promise<number> {
  const module = await import(start.entry) as {
    runWorker(init: WorkerInit, channel: ParentChannel): Promise<number>;
  };
  return await module.runWorker(start.init, channel);
}

/**
 * Serves a process worker's stdin: feed it text as it arrives and call `end()` at
 * end of input. The first line starts the worker; `exit` receives its exit code.
 */
export function createStdinWorker(exit: (code: number) => void): {
  feed(text: string): void;
  end(): void;
  stop(): void;
} {
  const splitter = new LineSplitter();
  const channel = new QueuedChannel();
  let started = false;

  const receiveLine = (line: string) => {
    const message = JSON.parse(line);
    if (started) {
      channel.receive(message as ParentMessage);
      return;
    }
    started = true;
    runFromStartMessage(message as StartMessage, channel).then(exit, (error) => {
      console.error(`autocron: worker failed: ${(error as Error)?.stack ?? error}`);
      exit(1);
    });
  };

  return {
    feed: (text) => splitter.push(text).forEach(receiveLine),
    end: () => channel.disconnect(),
    // A stop request from outside the supervisor, such as a signal.
    stop: () => channel.receive({ type: "stop" }),
  };
}
