/** Text output of the admin command: aligned tables that fit a terminal width. */

/** The width tables are fitted to. */
export const TABLE_WIDTH = 80;

export interface Column {
  header: string;
  /** True for the column that gives up width when a row is too wide; it is cut with "…". */
  flexible?: boolean;
  align?: "left" | "right";
}

/**
 * Formats rows as a table with two spaces between columns. When the table is wider
 * than `width`, the flexible columns are narrowed (down to their header) and cut.
 */
export function formatTable(columns: readonly Column[], rows: readonly string[][], width = TABLE_WIDTH): string {
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...rows.map((row) => (row[index] ?? "").length))
  );

  let excess = widths.reduce((sum, value) => sum + value, 0) + 2 * (columns.length - 1) - width;
  for (let index = columns.length - 1; index >= 0 && excess > 0; index--) {
    if (!columns[index]!.flexible) continue;
    const shrink = Math.min(excess, widths[index]! - columns[index]!.header.length);
    widths[index]! -= shrink;
    excess -= shrink;
  }

  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => {
        const fitted = cut(cell, widths[index]!);
        return columns[index]!.align === "right" ? fitted.padStart(widths[index]!) : fitted.padEnd(widths[index]!);
      })
      .join("  ")
      .trimEnd();

  return [line(columns.map((column) => column.header)), ...rows.map(line)].join("\n") + "\n";
}

/** Cuts text to `width` characters, marking a cut with "…". */
export function cut(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length <= width ? flat : flat.slice(0, Math.max(0, width - 1)) + "…";
}

/** Formats an instant as local time, "MM-DD HH:MM:SS". */
export function formatLocal(ms: number): string {
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** Formats an instant as UTC, "MM-DD HH:MM:SSZ". */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().slice(5, 19).replace("T", " ") + "Z";
}

/** Formats a duration in ms for people: "850ms", "12.3s", "4m05s". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${String(Math.round((ms % 60_000) / 1_000)).padStart(2, "0")}s`;
}

/** Shortens a task id to its last 12 characters, which the admin command accepts too. */
export function shortId(id: string): string {
  return /^[0-9a-f]{8}-/.test(id) ? `…${id.slice(-12)}` : id;
}

/** Names the local time zone and its offset, for table captions. */
export function describeLocalZone(now = new Date()): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offset = -now.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const minutes = String(Math.abs(offset) % 60).padStart(2, "0");
  return `${zone}, UTC${sign}${hours}:${minutes}`;
}
