/** Entry point of a worker child process on Node; see src/worker-channel.ts for the protocol. */

import process from "node:process";
import { createStdinWorker } from "../../src/worker-channel.ts";

const worker = createStdinWorker((code) => process.exit(code));

process.stdin.setEncoding("utf8");
process.stdin.on("data", (text: string) => worker.feed(text));
process.stdin.on("end", () => worker.end());
process.stdin.on("error", () => worker.end());
