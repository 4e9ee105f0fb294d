import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { ParentMessage, Spawner, WorkerExit, WorkerHandle, WorkerInit } from "../../src/adapter.ts";
import { siblingModuleUrl } from "../../src/runtime.ts";
import type { StartMessage } from "../../src/worker-channel.ts";
import { webWorkerSpawner } from "../shared/web-worker.ts";
import { Deno } from "./deno-api.ts";

const PERMISSIONS = ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const;

/**
 * Builds the permission flags of a worker. It gets each permission that the app has
 * in full, and read and write access to those paths it needs that the app may access.
 * A worker never gets a permission the app lacks.
 *
 * LIMITATION(deno): Deno cannot list the paths of a scoped grant such as
 * `--allow-read=./data`, so a worker gets only the scoped paths it needs itself
 * (the database directory, the task modules and autocron), not the app's whole list.
 */
export function workerPermissionFlags(init: WorkerInit, bootstrap: string): string[] {
  const neededPaths = [
    dirname(init.databasePath),
    dirname(dirname(dirname(bootstrap))),
    ...init.taskModules.filter((url) => url.startsWith("file:")).map((url) => dirname(fileURLToPath(url))),
  ];

  const flags: string[] = [];
  for (const name of PERMISSIONS) {
    let state: string;
    try {
      state = Deno.permissions.querySync({ name }).state;
    } catch {
      // This Deno version does not know the permission (such as "import" before 2.0).
      continue;
    }
    if (state === "granted") {
      flags.push(`--allow-${name}`);
    } else if (name === "read" || name === "write") {
      const granted = neededPaths.filter((path) => Deno.permissions.querySync({ name, path }).state === "granted");
      if (granted.length > 0) flags.push(`--allow-${name}=${granted.join(",")}`);
    }
  }
  flags.push("--no-prompt");
  return flags;
}

/** Starts each worker as a `deno run` child process with the app's permissions. */
export const processSpawner: Spawner = {
  spawn(entry, init): WorkerHandle {
    if (Deno.permissions.querySync({ name: "run", command: Deno.execPath() }).state !== "granted") {
      throw new Error(
        `worker processes on Deno are started with ${Deno.execPath()}, which needs --allow-run; ` +
          `run the app with --allow-run, or pass isolation: "thread" to start()`,
      );
    }
    const bootstrap = fileURLToPath(siblingModuleUrl(import.meta.url, "./worker-process.ts"));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...workerPermissionFlags(init, bootstrap), bootstrap],
      stdin: "piped",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();

    let ended = false;
    const exited: Promise<WorkerExit> = child.status.then((status) => {
      ended = true;
      return { code: status.signal ? null : status.code, signal: status.signal };
    });

    const writer = child.stdin.getWriter();
    const encoder = new TextEncoder();
    const send = (message: ParentMessage | StartMessage) => {
      if (ended) return;
      // A write to a child that just exited rejects; `exited` reports the exit.
      writer.write(encoder.encode(JSON.stringify(message) + "\n")).catch(() => undefined);
    };
    send({ entry, init });

    return {
      pid: child.pid,
      exited,
      send,
      terminate: () => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Already exited.
        }
      },
    };
  },
};

export const threadSpawner: Spawner = webWorkerSpawner(siblingModuleUrl(import.meta.url, "./worker-thread.ts"), Deno.pid);
