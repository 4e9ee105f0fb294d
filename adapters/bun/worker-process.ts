/** Entry point of a worker child process on Bun; see src/worker-channel.ts for the protocol. */

import process from "node:process";
import { createStdinWorker } from "../../src/worker-channel.ts";

const worker = createStdinWorker((code) => process.exit(code));
const decoder = new TextDecoder();
try {
  for await (const chunk of Bun.stdin.stream()) {
    worker.feed(decoder.decode(chunk, { stream: true }));
  }
} finally {
  worker.end();
}
