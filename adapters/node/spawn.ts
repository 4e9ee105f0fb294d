import { spawn as spawnProcess } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Spawner, WorkerExit, WorkerHandle } from "../../src/adapter.ts";
import { siblingModuleUrl } from "../../src/runtime.ts";
import type { StartMessage } from "../../src/worker-channel.ts";

/** Finds tsx's registration API, needed to run TypeScript sources in a thread. */
function resolveTsxApi(): string {
  try {
    return import.meta.resolve("tsx/esm/api");
  } catch (error) {
    throw new Error(
      `autocron: thread workers on Node run TypeScript sources only through tsx, which was not found ` +
        `(${(error as Error).message}); install tsx, use isolation "process", or run the built JavaScript`,
      { cause: error },
    );
  }
}

/**
 * Node flags a worker must not inherit: those that make the child run tests,
 * evaluate a string, watch files or open a debugger port already in use. Loader
 * flags such as `--import tsx` are kept, so workers load TypeScript as the app does.
 */
const DROPPED_FLAG = /^--(test|watch|inspect|debug|eval|print|input-type|experimental-test)|^-[ep]$/;

export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index++) {
    const flag = execArgv[index]!;
    if (DROPPED_FLAG.test(flag)) {
      // "-e code" and "--eval code" take the next argument as their value.
      if (/^(-e|-p|--eval|--print)$/.test(flag)) index++;
      continue;
    }
    kept.push(flag);
  }
  return kept;
}

/** Starts each worker as a child process of the same Node binary with the same loader flags. */
export const processSpawner: Spawner = {
  spawn(entry, init): WorkerHandle {
    const bootstrap = fileURLToPath(siblingModuleUrl(import.meta.url, "./worker-process.ts"));
    const child = spawnProcess(process.execPath, [...workerExecArgv(), bootstrap], {
      stdio: ["pipe", "inherit", "inherit"],
    });

    const exited = new Promise<WorkerExit>((resolve) => {
      let spawnError: string | undefined;
      child.once("error", (error) => {
        spawnError = error.message;
      });
      child.once("close", (code, signal) => resolve({ code, signal, error: spawnError }));
    });
    // Writing to a child that just died raises EPIPE; its exit is reported through `exited`.
    child.stdin!.on("error", () => undefined);

    const send = (message: unknown) => {
      if (child.exitCode === null && child.signalCode === null && child.stdin!.writable) {
        child.stdin!.write(JSON.stringify(message) + "\n");
      }
    };
    send({ entry, init } satisfies StartMessage);

    return {
      pid: child.pid ?? -1,
      exited,
      send,
      terminate: () => {
        child.kill("SIGKILL");
      },
    };
  },
};

/**
 * Loads the thread bootstrap. On Node 20 loader hooks registered with `--import`
 * (tsx's, for one) do not reach worker threads, so when the sources are TypeScript
 * the thread registers tsx itself before importing them.
 */
const THREAD_LOADER = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsxApi) (await import(workerData.tsxApi)).register();
  await import(workerData.bootstrap);
})().catch((error) => {
  console.error("autocron: worker thread failed to load:", error);
  process.exit(1);
});
`;

/** Starts each worker as a `worker_threads` Worker in this process. */
export const threadSpawner: Spawner = {
  spawn(entry, init): WorkerHandle {
    const bootstrap = siblingModuleUrl(import.meta.url, "./worker-thread.ts");
    const worker = new Worker(THREAD_LOADER, {
      eval: true,
      workerData: { bootstrap, tsxApi: bootstrap.endsWith(".ts") ? resolveTsxApi() : undefined, start: { entry, init } },
      execArgv: workerExecArgv(),
    });

    let ended = false;
    const exited = new Promise<WorkerExit>((resolve) => {
      let error: string | undefined;
      worker.once("error", (cause) => {
        error = cause instanceof Error ? cause.message : String(cause);
      });
      worker.once("exit", (code) => {
        ended = true;
        resolve({ code, signal: null, error });
      });
    });

    return {
      pid: process.pid,
      exited,
      send: (message) => {
        if (!ended) worker.postMessage(message);
      },
      terminate: () => {
        void worker.terminate();
      },
    };
  },
};
