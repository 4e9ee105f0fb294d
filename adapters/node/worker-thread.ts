/** Entry point of a worker thread on Node: the start message comes as `workerData.start`. */

import process from "node:process";
import { parentPort, workerData } from "node:worker_threads";
import type { ParentMessage } from "../../src/adapter.ts";
import { QueuedChannel, runFromStartMessage, type StartMessage } from "../../src/worker-channel.ts";

const channel = new QueuedChannel();
parentPort!.on("message", (message: ParentMessage) => channel.receive(message));

try {
  const code = await runFromStartMessage((workerData as { start: StartMessage }).start, channel);
  // In a worker thread, process.exit() ends only this thread, with this exit code.
  process.exit(code);
} catch (error) {
  console.error(`autocron: worker failed: ${(error as Error)?.stack ?? error}`);
  process.exit(1);
}
