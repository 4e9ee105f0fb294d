/** Reads a setting and its value as typed on the command line. */

import {
  DEFAULT_SETTINGS,
  findSettingSpec,
  SETTING_SPECS,
  type SettingName,
  type Settings,
  validateSetting,
} from "../settings.ts";
import { UsageError } from "./parse-arguments.ts";

// The Python original set idle times in seconds; 0 meant "choose automatically".
const SECOND_ALIASES: Record<string, SettingName> = {
  "worker-idle-time": "workerIdleMs",
  "monitor-idle-time": "monitorIdleMs",
};

/** Returns the setting and the typed value for `set <setting> <value>`. */
export function parseSettingValue(name: string, text: string): { name: SettingName; value: Settings[SettingName] } {
  const secondsAlias = SECOND_ALIASES[name];
  if (secondsAlias) {
    const seconds = Number(text);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new UsageError(`${name} expects a number of seconds, got "${text}"`);
    }
    // NOTE: 0 ("automatic" in the Python original) maps to the default.
    if (seconds === 0) return { name: secondsAlias, value: DEFAULT_SETTINGS[secondsAlias] };
    return { name: secondsAlias, value: checked(secondsAlias, Math.round(seconds * 1000)) };
  }

  const spec = findSettingSpec(name);
  if (!spec) {
    throw new UsageError(`unknown setting "${name}"; valid settings are ${SETTING_SPECS.map((s) => s.option).join(", ")}`);
  }
  if (spec.type === "boolean") {
    const lowered = text.toLowerCase();
    if (["on", "true", "yes", "1"].includes(lowered)) return { name: spec.name, value: true };
    if (["off", "false", "no", "0"].includes(lowered)) return { name: spec.name, value: false };
    throw new UsageError(`${spec.option} expects on, off, true or false, got "${text}"`);
  }
  if (!/^-?\d+$/.test(text)) {
    throw new UsageError(`${spec.option} expects a whole number from ${spec.min} to ${spec.max}, got "${text}"`);
  }
  return { name: spec.name, value: checked(spec.name, Number(text)) };
}

function checked(name: SettingName, value: number): Settings[SettingName] {
  try {
    return validateSetting(name, value);
  } catch {
    const spec = findSettingSpec(name)!;
    throw new UsageError(`${spec.option} expects a whole number from ${spec.min} to ${spec.max}, got ${value}`);
  }
}
