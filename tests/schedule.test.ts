import assert from "node:assert/strict";
import { test } from "node:test";
import { cron } from "../mod.ts";
import { fieldsToExpression, nextRunAfter, nextRuns, normalizeExpression } from "../src/schedule.ts";

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());
const runs = (expression: string, after: string, count: number, timezone = "UTC") =>
  iso(nextRuns(normalizeExpression(expression), timezone, count, new Date(after)));

test("schedule runs a weekday rule on that weekday only", () => {
  // 2026-12-04 is a Friday.
  assert.deepEqual(runs("30 13 * * 5", "2026-12-01T00:00:00Z", 3), [
    "2026-12-04T13:30:00.000Z",
    "2026-12-11T13:30:00.000Z",
    "2026-12-18T13:30:00.000Z",
  ]);
});

test("schedule keeps the step of a range", () => {
  assert.deepEqual(runs("5-59/15 * * * *", "2026-12-04T00:00:00Z", 5), [
    "2026-12-04T00:05:00.000Z",
    "2026-12-04T00:20:00.000Z",
    "2026-12-04T00:35:00.000Z",
    "2026-12-04T00:50:00.000Z",
    "2026-12-04T01:05:00.000Z",
  ]);
});

test("schedule joins day-of-month and day-of-week with OR", () => {
  // The 1st of the month, or any Monday.
  assert.deepEqual(runs("0 0 1 * 1", "2026-12-20T00:00:00Z", 3), [
    "2026-12-21T00:00:00.000Z",
    "2026-12-28T00:00:00.000Z",
    "2027-01-01T00:00:00.000Z",
  ]);
});

test("schedule treats 0 and 7 as Sunday", () => {
  const sunday = ["2026-12-06T00:00:00.000Z", "2026-12-13T00:00:00.000Z"];
  assert.deepEqual(runs("0 0 * * 0", "2026-12-04T00:00:00Z", 2), sunday);
  assert.deepEqual(runs("0 0 * * 7", "2026-12-04T00:00:00Z", 2), sunday);
  assert.deepEqual(runs("0 0 * * SUN", "2026-12-04T00:00:00Z", 2), sunday);
});

test("schedule accepts month and day names", () => {
  assert.deepEqual(runs("0 9 * JAN mon", "2026-12-04T00:00:00Z", 2), [
    "2027-01-04T09:00:00.000Z",
    "2027-01-11T09:00:00.000Z",
  ]);
});

test("schedule accepts a leading seconds field", () => {
  assert.deepEqual(runs("*/20 * * * * *", "2026-12-04T00:00:05Z", 3), [
    "2026-12-04T00:00:20.000Z",
    "2026-12-04T00:00:40.000Z",
    "2026-12-04T00:01:00.000Z",
  ]);
  assert.equal(normalizeExpression("0 2 * * *"), "0 0 2 * * *");
});

test("schedule accepts the @ aliases", () => {
  assert.equal(normalizeExpression("@daily"), "0 0 0 * * *");
  assert.equal(normalizeExpression("@hourly"), "0 0 * * * *");
});

test("schedule returns runs strictly after the given time", () => {
  assert.deepEqual(runs("30 13 * * *", "2026-12-04T13:30:00.000Z", 1), ["2026-12-05T13:30:00.000Z"]);
  assert.deepEqual(runs("30 13 * * *", "2026-12-04T13:29:59.999Z", 1), ["2026-12-04T13:30:00.000Z"]);
});

test("schedule computes in the given time zone", () => {
  // 09:30 in Berlin is 08:30 UTC in winter.
  assert.deepEqual(runs("30 9 * * *", "2026-12-04T00:00:00Z", 1, "Europe/Berlin"), ["2026-12-04T08:30:00.000Z"]);
});

test("schedule shifts a time in the spring gap by the gap", () => {
  // Europe/Berlin skips 02:00-03:00 local on 2026-03-29; 02:30 runs at 03:30 CEST (01:30 UTC).
  assert.deepEqual(runs("30 2 * * *", "2026-03-28T12:00:00Z", 2, "Europe/Berlin"), [
    "2026-03-29T01:30:00.000Z",
    "2026-03-30T00:30:00.000Z",
  ]);
});

test("schedule runs a fixed hour once in the autumn overlap", () => {
  // Europe/Berlin repeats 02:00-03:00 local on 2026-10-25; 02:30 runs at the first
  // occurrence (CEST, 00:30 UTC) and not again at 02:30 CET (01:30 UTC).
  assert.deepEqual(runs("30 2 * * *", "2026-10-24T12:00:00Z", 2, "Europe/Berlin"), [
    "2026-10-25T00:30:00.000Z",
    "2026-10-26T01:30:00.000Z",
  ]);
});

test("schedule runs every-hour rules in both overlap passes", () => {
  assert.deepEqual(runs("30 * * * *", "2026-10-25T00:00:00Z", 3, "Europe/Berlin"), [
    "2026-10-25T00:30:00.000Z",
    "2026-10-25T01:30:00.000Z",
    "2026-10-25T02:30:00.000Z",
  ]);
});

test("schedule rejects invalid expressions naming the field", () => {
  const cases: Array<[string, RegExp]> = [
    ["61 * * * *", /minute field "61".*out of range 0-59/],
    ["* 24 * * *", /hour field "24".*out of range 0-23/],
    ["* * 0 * *", /day-of-month field "0".*out of range 1-31/],
    ["* * * 13 *", /month field "13".*out of range 1-12/],
    ["* * * * 8", /day-of-week field "8".*out of range 0-7/],
    ["* * * FOO *", /month field "FOO".*JAN/],
    ["*/0 * * * *", /minute field "\*\/0".*step/],
    ["5-2 * * * *", /minute field "5-2".*backwards/],
    ["* * *", /3 field\(s\)/],
    ["* * * * * * *", /7 field\(s\)/],
    ["0 0 30 2 *", /invalid expression "0 0 30 2 \*"/],
    ["1,,2 * * * *", /minute field "1,,2"/],
  ];
  for (const [expression, pattern] of cases) {
    assert.throws(() => normalizeExpression(expression), pattern, expression);
    assert.throws(() => normalizeExpression(expression), RangeError, expression);
  }
  assert.throws(() => normalizeExpression(42), TypeError);
});

test("schedule builds the keyword form", () => {
  assert.equal(fieldsToExpression({ minutes: [30, 0], hours: [8] }), "0 0,30 8 * * *");
  assert.equal(fieldsToExpression({}), "0 * * * * *");
  assert.equal(fieldsToExpression({ seconds: [5], daysOfWeek: [1, 3] }), "5 * * * * 1,3");
  assert.throws(() => fieldsToExpression({ hours: [24] }), /24 in hours is out of range/);
  assert.throws(() => fieldsToExpression({ minutes: [] }), /non-empty array/);
  assert.throws(() => fieldsToExpression({ minute: [1] } as never), /unknown field "minute"/);
});

test("cron handle reports its schedule", () => {
  const handle = cron("30 9 * * 1,3", { timezone: "Europe/Berlin" }, function scheduleHandleReport() {});
  assert.equal(handle.name, "scheduleHandleReport");
  assert.equal(handle.expression, "30 9 * * 1,3");
  assert.equal(handle.timezone, "Europe/Berlin");
  const keyword = cron({ minutes: [0, 30], hours: [8] }, { timezone: "UTC" }, function scheduleKeywordForm() {});
  assert.equal(keyword.expression, "0 0,30 8 * * *");
  assert.deepEqual(iso(keyword.nextRuns(3, new Date("2026-12-04T00:00:00Z"))), [
    "2026-12-04T08:00:00.000Z",
    "2026-12-04T08:30:00.000Z",
    "2026-12-05T08:00:00.000Z",
  ]);
});

test("cron handle nextRuns matches the scheduler", () => {
  const handle = cron("*/7 2-3 * * *", { timezone: "America/New_York" }, function scheduleMatchesScheduler() {});
  const after = new Date("2026-11-01T04:00:00Z");
  const shown = handle.nextRuns(20, after).map((date) => date.getTime());

  // The scheduler plans each run from the previous planned time, as a worker does
  // when it settles a cron task right after running it.
  const schedule = normalizeExpression(handle.expression);
  let planned = nextRunAfter(schedule, handle.timezone, after.getTime());
  const scheduled = [planned];
  while (scheduled.length < 20) {
    planned = nextRunAfter(schedule, handle.timezone, Math.max(planned, planned + 5));
    scheduled.push(planned);
  }
  assert.deepEqual(shown, scheduled);
});

test("cron handle validates nextRuns arguments", () => {
  const handle = cron("@hourly", function scheduleNextRunsArguments() {});
  assert.throws(() => handle.nextRuns(-1), RangeError);
  assert.throws(() => handle.nextRuns(1, new Date("invalid")), TypeError);
  assert.equal(handle.nextRuns(0).length, 0);
});
