/** Entry point of a worker child process on Node; see src/worker-channel.ts for the protocol. */

import process from "node:process";
import { createStdinWorker } from "../../src/worker-channel.ts";

const worker = createStdinWorker((code) => process.exit(code));

// Ctrl-C in a terminal signals the whole process group, and a service manager may
// signal every process of the app: the worker finishes its task and exits, as on
// a stop message, instead of dying mid-task.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => worker.stop());
}

process.stdin.setEncoding("utf8");
process.stdin.on("data", (text: string) => worker.feed(text));
process.stdin.on("end", () => worker.end());
process.stdin.on("error", () => worker.end());
