/** Entry point of a worker child process on Deno; see src/worker-channel.ts for the protocol. */

import { createStdinWorker } from "../../src/worker-channel.ts";
import { Deno } from "./deno-api.ts";

const worker = createStdinWorker((code) => Deno.exit(code));

// Ctrl-C in a terminal signals the whole process group, and a service manager may
// signal every process of the app: the worker finishes its task and exits, as on
// a stop message, instead of dying mid-task.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => worker.stop());
}
const decoder = new TextDecoder();
try {
  for await (const chunk of Deno.stdin.readable) {
    worker.feed(decoder.decode(chunk, { stream: true }));
  }
} finally {
  worker.end();
}
