/** Entry point of a worker thread on Bun (a web Worker). */

import { runWebWorkerThread } from "../shared/web-worker.ts";

runWebWorkerThread();
