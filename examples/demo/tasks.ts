/**
 * The demo's tasks. This module only defines tasks: the app imports it to call them,
 * and every worker imports it to run them. An app of your own would import from
 * "autocron" instead of "../../mod.ts".
 */

import { appendFile, mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { cron, delay } from "../../mod.ts";

/** The file the demo "sends" mail to: one JSON line per message. */
export const OUTBOX = process.env.AUTOCRON_DEMO_OUTBOX ?? join(homedir(), ".autocron", "demo-outbox.jsonl");

/** Writes a confirmation into the outbox, as a mailer would send it. */
export const sendConfirmation = delay({ retries: 2 }, async function sendConfirmation(to: string, body: string) {
  const sentAt = new Date();
  await mkdir(dirname(OUTBOX), { recursive: true });
  await appendFile(OUTBOX, JSON.stringify({ type: "confirmation", to, body, sentAt, workerPid: process.pid }) + "\n");
  return { sentAt, outbox: OUTBOX, workerPid: process.pid };
});

/** Notes in the outbox that the schedule ran, once a minute. */
export const heartbeat = cron("* * * * *", async function minuteHeartbeat() {
  await mkdir(dirname(OUTBOX), { recursive: true });
  await appendFile(OUTBOX, JSON.stringify({ type: "heartbeat", at: new Date(), workerPid: process.pid }) + "\n");
});
