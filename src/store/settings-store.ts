import type { Kysely } from "kysely";
import { DEFAULT_SETTINGS, type SettingName, type Settings, validateSetting } from "../settings.ts";
import type { Database } from "./schema.ts";

/**
 * Reads all settings; a setting never written has its default. A stored value that
 * no longer validates (written by hand, say) falls back to the default too, so one
 * bad row cannot stop the app.
 */
export async function readSettings(db: Kysely<Database>): Promise<Settings> {
  const rows = await db.selectFrom("autocron_settings").select(["name", "value"]).execute();
  const settings: Settings = { ...DEFAULT_SETTINGS };

  for (const row of rows) {
    if (!(row.name in DEFAULT_SETTINGS)) {
      continue;
    }
    const name = row.name as SettingName;
    try {
      (settings as unknown as Record<string, unknown>)[name] = validateSetting(name, JSON.parse(row.value));
    } catch {
      // Keep the default for an unreadable value.
    }
  }
  return settings;
}

/** Validates and writes settings; names not given keep their stored values. */
export async function writeSettings(db: Kysely<Database>, changes: Partial<Settings>): Promise<void> {
  const rows = Object.entries(changes).map(([name, value]) => ({
    name,
    value: JSON.stringify(validateSetting(name as SettingName, value)),
  }));
  if (rows.length === 0) {
    return;
  }
  await db
    .insertInto("autocron_settings")
    .values(rows)
    .onConflict((conflict) => conflict.column("name").doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })))
    .execute();
}

/** Removes every stored setting, so all take their defaults. */
export async function resetSettings(db: Kysely<Database>): Promise<void> {
  await db.deleteFrom("autocron_settings").execute();
}
