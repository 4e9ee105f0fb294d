/**
 * Settings kept in the database, so that every process of an app and the admin
 * command see the same values. A running supervisor reads them again on each monitor
 * tick.
 */

import { describe } from "./describe.ts";

export interface Settings {
  /** Worker processes (or threads) the supervisor keeps running. */
  maxWorkers: number;
  /** When true, delayed calls run inline in the caller and `start()` launches nothing. */
  disabled: boolean;
  /** The longest an idle worker sleeps before it looks at the queue again unwoken, in ms. */
  workerIdleMs: number;
  /** The supervisor's tick in ms: lease heartbeat, dead workers, expired leases, settings. */
  monitorIdleMs: number;
  /** How long a finished task's result is kept, in seconds. */
  resultTtlSeconds: number;
}

export type SettingName = keyof Settings;

export interface SettingSpec {
  name: SettingName;
  /** The spelling on the command line. */
  option: string;
  type: "integer" | "boolean";
  min?: number;
  max?: number;
  description: string;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  maxWorkers: 1,
  disabled: false,
  workerIdleMs: 5_000,
  monitorIdleMs: 1_000,
  resultTtlSeconds: 1_800,
});

export const SETTING_SPECS: readonly SettingSpec[] = [
  { name: "maxWorkers", option: "max-workers", type: "integer", min: 0, max: 256, description: "workers the supervisor keeps running" },
  { name: "disabled", option: "disabled", type: "boolean", description: "run delayed calls inline, start no workers" },
  { name: "workerIdleMs", option: "worker-idle-ms", type: "integer", min: 10, max: 3_600_000, description: "longest idle sleep of a worker, in ms" },
  { name: "monitorIdleMs", option: "monitor-idle-ms", type: "integer", min: 50, max: 600_000, description: "supervisor tick in ms; leases last 5 ticks" },
  { name: "resultTtlSeconds", option: "result-ttl-seconds", type: "integer", min: 0, max: 31_536_000, description: "how long results are kept, in seconds" },
];

/** Finds a setting by its API name or command-line spelling. */
export function findSettingSpec(name: string): SettingSpec | undefined {
  return SETTING_SPECS.find((spec) => spec.name === name || spec.option === name);
}

/**
 * Checks one value against its setting and returns it. Throws a `TypeError` or
 * `RangeError` that names the setting, the value and what is expected.
 */
export function validateSetting<K extends SettingName>(name: K, value: unknown): Settings[K] {
  const spec = findSettingSpec(name);
  if (!spec) {
    throw new TypeError(
      `settings: unknown setting "${name}"; valid settings are ${SETTING_SPECS.map((s) => s.name).join(", ")}`,
    );
  }

  if (spec.type === "boolean") {
    if (typeof value !== "boolean") {
      throw new TypeError(`settings: ${spec.name} must be true or false, got ${describe(value)}`);
    }
    return value as Settings[K];
  }

  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`settings: ${spec.name} must be a whole number, got ${describe(value)}`);
  }
  if (value < spec.min! || value > spec.max!) {
    throw new RangeError(`settings: ${spec.name} must be from ${spec.min} to ${spec.max}, got ${value}`);
  }
  return value as Settings[K];
}

/** Returns how long a supervisor lease or task lease lasts for a monitor tick. */
export function leaseDurationMs(settings: Settings): number {
  return settings.monitorIdleMs * 5;
}
