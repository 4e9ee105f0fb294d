import assert from "node:assert/strict";
import { test } from "node:test";
import { cron, delay, getResult } from "../mod.ts";

test("delay rejects an anonymous function", () => {
  assert.throws(() => delay(async () => 1), (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /no name/);
    assert.match(error.message, /name option/);
    return true;
  });
});

test("delay accepts a name option for an anonymous function", () => {
  const task = delay({ name: "definitionsNamedArrow" }, async () => 1);
  assert.equal(task.taskName, "definitionsNamedArrow");
});

test("delay rejects two tasks with one name", () => {
  delay(function definitionsDuplicate() {});
  assert.throws(() => delay(function definitionsDuplicate() {}), (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /"definitionsDuplicate" is already defined/);
    return true;
  });
  assert.throws(() => cron("* * * * *", function definitionsDuplicate() {}), /already defined/);
});

test("delay rejects bad options naming the value", () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ minutes: -1 }, /minutes of task "definitionsOptions" must be a finite number >= 0, got -1/],
    [{ seconds: "5" }, /seconds .* got "5"/],
    [{ at: new Date("nope") }, /at of task .* valid Date/],
    [{ at: new Date(), minutes: 1 }, /both at and a duration/],
    [{ retries: 1.5 }, /retries .* whole number/],
    [{ timeoutMs: 0 }, /timeoutMs .* from 1/],
    [{ priority: "high" }, /priority .* got "high"/],
    [{ backoff: { type: "linear" } }, /backoff.type .* "fixed" or "exponential"/],
    [{ backoff: { delayMs: -5 } }, /backoff.delayMs .* >= 0/],
    [{ retry: 3 }, /unknown option "retry"/],
  ];
  for (const [options, pattern] of cases) {
    assert.throws(() => delay(options as never, function definitionsOptions() {}), pattern, JSON.stringify(options));
  }
  assert.throws(() => delay("5 minutes" as never, function definitionsOptions() {}), /options must be an object/);
  assert.throws(() => (delay as (options: unknown) => unknown)({ minutes: 1 }), /last argument must be the task function/);
});

test("delayed call rejects a function argument at call time", () => {
  const task = delay(function definitionsCallArguments(_value: unknown, _callback?: unknown) {});
  assert.throws(() => task("ok", () => 1), (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /argument 2 of task "definitionsCallArguments"/);
    return true;
  });
  assert.throws(() => task(Symbol("x")), /argument 1 of task "definitionsCallArguments".*symbol/);
});

test("cron rejects an invalid expression at definition", () => {
  assert.throws(() => cron("99 * * * *", function definitionsBadCron() {}), (error: unknown) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /minute field "99" in "99 \* \* \* \*"/);
    return true;
  });
});

test("cron rejects bad options and functions", () => {
  assert.throws(() => cron("* * * * *", { timezone: "Mars/Olympus" }, function definitionsCronZone() {}), /unknown timezone "Mars\/Olympus"/);
  assert.throws(() => cron("* * * * *", { tz: "UTC" } as never, function definitionsCronZone() {}), /unknown option "tz"/);
  assert.throws(() => cron("* * * * *", function definitionsCronArgs(_value: unknown) {} as never), /declares 1 parameter/);
  assert.throws(() => cron("* * * * *", () => {}), /no name/);
  assert.throws(() => cron(["* * * * *"] as never, function definitionsCronArray() {}), TypeError);
});

test("getResult rejects an empty id", () => {
  assert.throws(() => getResult(""), TypeError);
  assert.throws(() => getResult(42 as never), /id must be a task id string, got 42/);
});

test("public functions reject bad arguments", async () => {
  const handle = getResult("00000000-0000-7000-8000-000000000000");
  await assert.rejects(handle.wait({ timeoutMs: -1 }), (error: Error) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /timeoutMs must be a number of ms >= 0, got -1/);
    return true;
  });
  await assert.rejects(handle.wait({ timeoutMs: "soon" as never }), /got "soon"/);
  await assert.rejects(handle.wait(null as never), TypeError);

  assert.throws(() => delay({ name: 5 } as never, function definitionsNameType() {}), (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /name must be a non-empty string, got 5/);
    return true;
  });
  assert.throws(() => cron("* * * * *", { name: "" }, function definitionsEmptyName() {}), /name must be a non-empty string, got ""/);
  assert.throws(() => cron({ hours: "8" } as never, function definitionsKeywordType() {}), /hours field must be a non-empty array of numbers, got "8"/);
  assert.throws(() => delay({ at: "tomorrow" } as never, function definitionsAtType() {}), /at of task .* must be a valid Date, got "tomorrow"/);
});
