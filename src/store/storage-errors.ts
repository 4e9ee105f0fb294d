/**
 * Recognizing SQLite failures across drivers: better-sqlite3 and bun:sqlite set
 * `code` ("SQLITE_BUSY"), node:sqlite sets `errcode` (5) and `errstr`, and all put
 * SQLite's own text in the message.
 */

/** How long a statement waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

type SqliteFailure = "busy" | "full" | "readonly" | "corrupt" | "ioerr" | "other";

const PRIMARY_CODES: Record<number, SqliteFailure> = {
  5: "busy", // SQLITE_BUSY
  6: "busy", // SQLITE_LOCKED
  8: "readonly", // SQLITE_READONLY
  10: "ioerr", // SQLITE_IOERR
  11: "corrupt", // SQLITE_CORRUPT
  13: "full", // SQLITE_FULL
  26: "corrupt", // SQLITE_NOTADB
};

/** Classifies a driver error by SQLite's result code or message. */
export function classifySqliteError(error: unknown): SqliteFailure {
  const details = error as { code?: unknown; errcode?: unknown; message?: unknown } | null;
  if (typeof details?.errcode === "number") {
    return PRIMARY_CODES[details.errcode & 0xff] ?? "other";
  }
  const text = `${typeof details?.code === "string" ? details.code : ""} ${String(details?.message ?? error)}`;
  if (/SQLITE_BUSY|SQLITE_LOCKED|database is locked|database table is locked/i.test(text)) return "busy";
  if (/SQLITE_FULL|database or disk is full/i.test(text)) return "full";
  if (/SQLITE_READONLY|readonly database|read-only/i.test(text)) return "readonly";
  if (/SQLITE_CORRUPT|SQLITE_NOTADB|malformed|not a database/i.test(text)) return "corrupt";
  if (/SQLITE_IOERR|disk I\/O error/i.test(text)) return "ioerr";
  return "other";
}

const ADVICE: Record<Exclude<SqliteFailure, "busy" | "other">, string> = {
  full: "the disk or the database is full; free disk space",
  readonly: "the database is read-only; make the file, its directory and its -wal and -shm files writable",
  corrupt: "the database file is corrupt; restore it from a backup, or delete it (autocron <database> delete-database)",
  ioerr: "the disk reported an I/O error; check the disk and the file's permissions",
};

/** Returns a sentence on what a storage failure means and what to do, or undefined for other errors. */
export function adviseOnStorageError(error: unknown): string | undefined {
  const failure = classifySqliteError(error);
  if (failure === "busy") return "the database stayed locked by other processes; retry later";
  if (failure === "other") return undefined;
  return ADVICE[failure];
}

export interface BusyRetryOptions {
  /** Attempts in all, including the first. */
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_BUSY_RETRY: BusyRetryOptions = { attempts: 5, firstDelayMs: 25, maxDelayMs: 1_000 };

/**
 * Runs a database operation again when SQLite reports it busy or locked after its
 * busy timeout, waiting longer each time with jitter. Other errors are thrown at once.
 */
export async function retryWhenBusy<T>(operation: () => Promise<T>, options: BusyRetryOptions = DEFAULT_BUSY_RETRY): Promise<T> {
  let delayMs = options.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= options.attempts || classifySqliteError(error) !== "busy") throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs / 2 + Math.random() * (delayMs / 2)));
    delayMs = Math.min(delayMs * 2, options.maxDelayMs);
  }
}
