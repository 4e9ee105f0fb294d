/** Entry point of a worker thread on Deno (a web Worker; it inherits the app's permissions). */

import { runWebWorkerThread } from "../shared/web-worker.ts";

runWebWorkerThread();
