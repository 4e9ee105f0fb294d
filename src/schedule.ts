/**
 * Cron expressions and the keyword form, validated here and computed by cron-parser.
 *
 * The scheduler and `CronHandle.nextRuns()` both call `nextRunAfter()`, so what a
 * user sees as upcoming runs is exactly what the workers will do.
 *
 * Daylight-saving time, as cron-parser 5.10 computes it in the task's zone:
 * - In the spring gap a planned wall time that does not exist runs shifted forward by
 *   the length of the gap: `30 2 * * *` in Europe/Berlin runs at 03:30 on the day
 *   the clocks jump from 02:00 to 03:00.
 * - In the autumn overlap a schedule with a fixed hour runs once, at the first of the
 *   two occurrences (summer time), while a schedule whose hour field is `*` runs in
 *   both passes, so that hourly and shorter intervals keep their real-time spacing.
 */

import { CronExpressionParser } from "cron-parser";
import { describe } from "./describe.ts";

/** The keyword form of a schedule: each field lists the values it matches. */
export interface CronFields {
  seconds?: number[];
  minutes?: number[];
  hours?: number[];
  days?: number[];
  months?: number[];
  daysOfWeek?: number[];
}

interface FieldSpec {
  name: string;
  keyword: keyof CronFields;
  min: number;
  max: number;
  names?: readonly string[];
  allowsQuestionMark?: boolean;
}

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: readonly FieldSpec[] = [
  { name: "second", keyword: "seconds", min: 0, max: 59 },
  { name: "minute", keyword: "minutes", min: 0, max: 59 },
  { name: "hour", keyword: "hours", min: 0, max: 23 },
  { name: "day-of-month", keyword: "days", min: 1, max: 31, allowsQuestionMark: true },
  { name: "month", keyword: "months", min: 1, max: 12, names: MONTH_NAMES },
  { name: "day-of-week", keyword: "daysOfWeek", min: 0, max: 7, names: DAY_NAMES, allowsQuestionMark: true },
];

const ALIASES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/**
 * Validates a cron expression and returns it in the 6-field form (seconds first)
 * that is stored and computed. Throws a `TypeError` for a value that is not a
 * string and a `RangeError` naming the expression and the field at fault.
 */
export function normalizeExpression(expression: unknown): string {
  if (typeof expression !== "string") {
    throw new TypeError(
      `cron: the schedule must be a cron expression string or a keyword object, got ${describe(expression)}`,
    );
  }

  const trimmed = expression.trim();
  const expanded = ALIASES[trimmed.toLowerCase()] ?? trimmed;
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new RangeError(
      `cron: invalid expression "${expression}": it has ${parts.length} field(s); use 5 fields ` +
        `(minute hour day-of-month month day-of-week) or 6 with a leading second field`,
    );
  }

  const fields = parts.length === 5 ? ["0", ...parts] : parts;
  fields.forEach((field, index) => validateField(expression, field, FIELDS[index]!));
  const normalized = fields.join(" ");

  // The field checks above cover the syntax; cron-parser still rejects combinations
  // that can never match, such as February 30.
  try {
    CronExpressionParser.parse(normalized, { tz: "UTC" }).next();
  } catch (error) {
    throw new RangeError(`cron: invalid expression "${expression}": ${(error as Error).message}`);
  }
  return normalized;
}

function validateField(expression: string, field: string, spec: FieldSpec): void {
  const reject = (problem: string): never => {
    throw new RangeError(
      `cron: invalid ${spec.name} field "${field}" in "${expression}": ${problem}`,
    );
  };

  if (field === "?") {
    if (!spec.allowsQuestionMark) reject(`"?" is only allowed in the day-of-month and day-of-week fields`);
    return;
  }

  for (const item of field.split(",")) {
    const match = /^([^/]+)(?:\/(.+))?$/.exec(item);
    if (!match) {
      reject(`"${item}" is empty or malformed; use *, a value, a range a-b, a step */n or a list a,b`);
    }
    const [, range, step] = match!;

    if (step !== undefined) {
      const stepValue = /^\d+$/.test(step) ? Number(step) : NaN;
      if (!(stepValue >= 1 && stepValue <= spec.max)) reject(`the step "/${step}" must be a whole number from 1 to ${spec.max}`);
    }
    if (range === "*") continue;

    const bounds = range!.split("-");
    if (bounds.length > 2) reject(`"${range}" is not a value or a range a-b`);
    const values = bounds.map((bound) => parseFieldValue(bound, spec, reject));
    if (values.length === 2 && values[0]! > values[1]!) {
      reject(`the range "${range}" runs backwards; write it as two ranges in a list, such as 22-23,0-2`);
    }
  }
}

function parseFieldValue(text: string, spec: FieldSpec, reject: (problem: string) => never): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) {
      reject(`${value} is out of range ${spec.min}-${spec.max}`);
    }
    return value;
  }

  const nameIndex = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (nameIndex >= 0) {
    return nameIndex + (spec.min === 1 ? 1 : 0);
  }

  const accepted = spec.names ? `a number ${spec.min}-${spec.max} or a name (${spec.names.join(", ")})` : `a number ${spec.min}-${spec.max}`;
  return reject(`"${text}" is not ${accepted}`);
}

/**
 * Builds the 6-field expression for the keyword form. A missing field matches every
 * value, except `seconds`, which defaults to 0 so that a schedule fires once per
 * matching minute.
 */
export function fieldsToExpression(fields: CronFields): string {
  const known = new Set(FIELDS.map((spec) => spec.keyword));
  for (const key of Object.keys(fields)) {
    if (!known.has(key as keyof CronFields)) {
      throw new TypeError(
        `cron: unknown field "${key}" in the keyword form; use ${[...known].join(", ")}`,
      );
    }
  }

  const parts = FIELDS.map((spec) => {
    const values = fields[spec.keyword];
    if (values === undefined) return spec.keyword === "seconds" ? "0" : "*";
    return fieldValuesToText(values, spec);
  });
  return parts.join(" ");
}

function fieldValuesToText(values: unknown, spec: FieldSpec): string {
  if (!Array.isArray(values) || values.length === 0) {
    throw new TypeError(
      `cron: the ${spec.keyword} field must be a non-empty array of numbers, got ${describe(values)}`,
    );
  }
  for (const value of values) {
    if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw new RangeError(
        `cron: ${describe(value)} in ${spec.keyword} is out of range; use whole numbers from ${spec.min} to ${spec.max}`,
      );
    }
  }
  return [...new Set(values as number[])].sort((a, b) => a - b).join(",");
}

/** Returns the zone of this process, the default for cron tasks. */
export function defaultTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Checks an IANA zone name and returns it; throws a `RangeError` naming it otherwise. */
export function validateTimezone(timezone: unknown): string {
  if (typeof timezone !== "string" || timezone === "") {
    throw new TypeError(`cron: timezone must be an IANA zone name such as "Europe/Berlin", got ${describe(timezone)}`);
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new RangeError(`cron: unknown timezone "${timezone}"; use an IANA zone name such as "Europe/Berlin" or "UTC"`);
  }
  return timezone;
}

/**
 * Returns the first run strictly after `afterMs` (UTC milliseconds) for a
 * normalized expression, computed in `timezone`.
 */
export function nextRunAfter(expression: string, timezone: string, afterMs: number): number {
  const iterator = CronExpressionParser.parse(expression, { currentDate: new Date(afterMs), tz: timezone });
  return iterator.next().getTime();
}

/** Returns the next `count` runs strictly after `after`. */
export function nextRuns(expression: string, timezone: string, count: number, after: Date): Date[] {
  const runs: Date[] = [];
  let cursor = after.getTime();
  for (let index = 0; index < count; index++) {
    cursor = nextRunAfter(expression, timezone, cursor);
    runs.push(new Date(cursor));
  }
  return runs;
}
