/**
 * Compile-time checks of the public types, verified by `tsc` in the build step of
 * `npm test` (this file is type-checked, never run). Each `@ts-expect-error` line
 * must stay an error, and each other line must compile.
 */

import { cron, delay, getResult, type TaskResult } from "../mod.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function expectType<T extends true>(_value?: T): void {}

const sendConfirmation = delay(async function sendConfirmation(to: string, count: number) {
  return { sentAt: new Date(), to, count };
});

// Parameters flow into the wrapped function.
const result = sendConfirmation("a@example.org", 2);
// @ts-expect-error the second parameter is a number
sendConfirmation("a@example.org", "2");
// @ts-expect-error a parameter is missing
sendConfirmation("a@example.org");

// The awaited return type flows into the handle.
expectType<Equal<typeof result, TaskResult<{ sentAt: Date; to: string; count: number }>>>();
async function readValue() {
  const value = await result.wait({ timeoutMs: 1_000 });
  expectType<Equal<typeof value, { sentAt: Date; to: string; count: number }>>();
}

// A synchronous function's return type flows in unchanged.
const add = delay({ minutes: 5, retries: 2 }, function add(a: number, b: number) {
  return a + b;
});
expectType<Equal<ReturnType<typeof add>, TaskResult<number>>>();

// Handles from getResult() are typed by the caller.
expectType<Equal<typeof getResult<string>, (id: string) => TaskResult<string>>>();

// @ts-expect-error cron functions take no arguments
cron("* * * * *", function withArgument(_value: string) {});
// @ts-expect-error options come before the function
delay(function late() {}, { minutes: 1 });

const handle = cron("0 2 * * *", function cleanup() {});
expectType<Equal<ReturnType<typeof handle.nextRuns>, Date[]>>();
void readValue;
