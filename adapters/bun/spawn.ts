import process from "node:process";
import { fileURLToPath } from "node:url";
import type { ParentMessage, Spawner, WorkerExit, WorkerHandle } from "../../src/adapter.ts";
import { siblingModuleUrl } from "../../src/runtime.ts";
import type { StartMessage } from "../../src/worker-channel.ts";
import { webWorkerSpawner } from "../shared/web-worker.ts";

/** Bun flags a worker must not inherit, for the same reasons as on Node. */
const DROPPED_FLAG = /^--(watch|hot|inspect|test)/;

/** Starts each worker as a child process of the same Bun binary. */
export const processSpawner: Spawner = {
  spawn(entry, init): WorkerHandle {
    const bootstrap = fileURLToPath(siblingModuleUrl(import.meta.url, "./worker-process.ts"));
    const flags = process.execArgv.filter((flag) => !DROPPED_FLAG.test(flag));
    const child = Bun.spawn([process.execPath, ...flags, bootstrap], {
      stdin: "pipe",
      stdout: "inherit",
      stderr: "inherit",
    });

    let ended = false;
    const exited: Promise<WorkerExit> = child.exited.then((code) => {
      ended = true;
      const signal = child.signalCode === null || child.signalCode === undefined ? null : String(child.signalCode);
      return { code: signal ? null : code, signal };
    });

    const send = (message: ParentMessage | StartMessage) => {
      if (ended) return;
      try {
        child.stdin.write(JSON.stringify(message) + "\n");
        child.stdin.flush();
      } catch {
        // The child just exited; `exited` reports it.
      }
    };
    send({ entry, init });

    return {
      pid: child.pid,
      exited,
      send,
      terminate: () => child.kill("SIGKILL"),
    };
  },
};

export const threadSpawner: Spawner = webWorkerSpawner(siblingModuleUrl(import.meta.url, "./worker-thread.ts"), process.pid);
