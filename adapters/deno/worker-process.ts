/** Entry point of a worker child process on Deno; see src/worker-channel.ts for the protocol. */

import { createStdinWorker } from "../../src/worker-channel.ts";
import { Deno } from "./deno-api.ts";

const worker = createStdinWorker((code) => Deno.exit(code));
const decoder = new TextDecoder();
try {
  for await (const chunk of Deno.stdin.readable) {
    worker.feed(decoder.decode(chunk, { stream: true }));
  }
} finally {
  worker.end();
}
