/** Tasks of the autocron benchmark; the benchmark app and its workers import this module. */

import { appendFileSync } from "node:fs";
import process from "node:process";
import { cron, delay } from "../../mod.ts";

/** Does nothing: the drain and enqueue scenarios measure the queue alone. */
export const noop = delay(function noop() {});

/** Returns the moment it started, in ms since the epoch with sub-millisecond precision. */
export const stamp = delay(function stamp() {
  return performance.timeOrigin + performance.now();
});

// The cron scenario defines a per-second schedule that writes its start times to a file.
const cronFile = process.env.AUTOCRON_BENCH_CRON_FILE;
if (cronFile) {
  cron("* * * * * *", { timezone: "UTC" }, function benchEverySecond() {
    appendFileSync(cronFile, `${performance.timeOrigin + performance.now()}\n`);
  });
}
