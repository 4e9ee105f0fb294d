/**
 * Thread workers through the web `Worker` API, which Bun and Deno both provide.
 * A web Worker has no exit event in Deno, so the thread posts `{ type: "exit", code }`
 * before it closes itself, and the spawner reports that as its exit.
 */

import type { ParentChannel, ParentMessage, Spawner, WorkerExit, WorkerHandle, WorkerInit } from "../../src/adapter.ts";
import { QueuedChannel, runFromStartMessage, type StartMessage } from "../../src/worker-channel.ts";

/** The web Worker surface used here; declared locally because `tsc` checks with Node's types. */
interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "error", listener: (event: { message?: string; preventDefault(): void }) => void): void;
}

type WebWorkerConstructor = new (url: string, options: { type: "module" }) => WebWorker;

/** Returns a spawner that starts `bootstrapUrl` as a module Worker. */
export function webWorkerSpawner(bootstrapUrl: string, pid: number): Spawner {
  return {
    spawn(entry: string, init: WorkerInit): WorkerHandle {
      const WorkerClass = (globalThis as unknown as { Worker: WebWorkerConstructor }).Worker;
      const worker = new WorkerClass(bootstrapUrl, { type: "module" });

      let resolveExit!: (exit: WorkerExit) => void;
      let ended = false;
      const exited = new Promise<WorkerExit>((resolve) => {
        resolveExit = (exit) => {
          if (ended) return;
          ended = true;
          resolve(exit);
        };
      });

      worker.addEventListener("message", (event) => {
        const data = event.data as { type?: string; code?: number };
        if (data?.type === "exit") {
          resolveExit({ code: data.code ?? 0, signal: null });
          worker.terminate();
        }
      });
      worker.addEventListener("error", (event) => {
        // Handled here: without preventDefault() an error in the thread ends the app.
        event.preventDefault();
        resolveExit({ code: 1, signal: null, error: event.message ?? "uncaught error in the worker thread" });
        worker.terminate();
      });

      worker.postMessage({ entry, init } satisfies StartMessage);
      return {
        pid,
        exited,
        send: (message: ParentMessage) => {
          if (!ended) worker.postMessage(message);
        },
        terminate: () => {
          worker.terminate();
          resolveExit({ code: null, signal: "terminated" });
        },
      };
    },
  };
}

/** Runs the thread side: receives the start message, runs the worker and posts its exit code. */
export function runWebWorkerThread(): void {
  const scope = globalThis as unknown as {
    addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
    postMessage(message: unknown): void;
    close(): void;
  };
  const channel: QueuedChannel = new QueuedChannel();
  let started = false;

  scope.addEventListener("message", (event) => {
    if (started) {
      channel.receive(event.data as ParentMessage);
      return;
    }
    started = true;
    runFromStartMessage(event.data as StartMessage, channel as ParentChannel).then(
      (code) => finish(code),
      (error) => {
        console.error(`autocron: worker failed: ${(error as Error)?.stack ?? error}`);
        finish(1);
      },
    );
  });

  function finish(code: number): void {
    scope.postMessage({ type: "exit", code });
    scope.close();
  }
}
