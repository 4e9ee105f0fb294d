/**
 * The checkpointer: a thread of the supervising process that copies the WAL back
 * into the database file, so that the commits of workers and request handlers do
 * not have to.
 *
 * SQLite's own automatic checkpoint runs inside the commit that takes the WAL past
 * its threshold, and the task or enqueue behind that commit waits for the copy and
 * its sync. With two or more busy workers it also seldom finishes, because the
 * others keep writing, so the WAL is never reset and many commits run another one.
 * Here a passive checkpoint runs on a timer off the path of commits. When the WAL
 * still grows past `RESET_FRAMES`, the checkpointer copies the rest while it holds
 * the write lock, so that the next writer starts the WAL over.
 *
 * The supervisor starts it through the spawner like a worker, so its bootstrap
 * calls `runWorker()` here.
 */

import type { ParentChannel, PlainSqlite, WorkerInit } from "./adapter.ts";
import { Logger, type LogLevel } from "./logger.ts";
import { loadAdapter } from "./runtime.ts";
import { BUSY_TIMEOUT_MS, classifySqliteError } from "./store/storage-errors.ts";

/** How often the checkpointer looks for new commits to copy. */
const CHECKPOINT_INTERVAL_MS = 100;

/**
 * Past this many frames (8 MiB with 4 KiB pages), the checkpointer holds the write
 * lock while it copies the rest of the WAL, so that the next writer starts the WAL
 * over. Writers that never pause keep a passive checkpoint from catching up, and
 * the WAL would grow for as long as they write.
 */
export const RESET_FRAMES = 2_000;

/** How long the checkpointer tries to take the write lock before it waits for the next interval. */
const LOCK_WAIT_MS = 200;

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/** Runs the checkpointer until the supervisor stops it or goes away. */
export async function runWorker(init: WorkerInit, channel: ParentChannel): Promise<number> {
  const logger = new Logger(init.logLevels as LogLevel[], { workerId: init.workerId });
  // The supervisor opened the file before, so it exists, in WAL mode and migrated.
  let connection: PlainSqlite;
  let locker: PlainSqlite;
  try {
    const adapter = await loadAdapter();
    connection = await adapter.openPlainSqlite(init.databasePath);
    connection.get(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    locker = await adapter.openPlainSqlite(init.databasePath);
    locker.get("PRAGMA busy_timeout = 0");
  } catch (error) {
    logger.error(
      `the checkpointer could not open ${init.databasePath}: ${(error as Error).message}; ` +
        `the supervisor starts it again on its next tick`,
    );
    return 1;
  }

  let stopped = false;
  let wakeUp: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wakeUp?.();
  };
  channel.onMessage((message) => {
    if (message.type === "stop") stop();
  });
  channel.onDisconnect(stop);

  // data_version changes only when another connection commits, so an idle queue
  // costs one cheap read per interval. A checkpoint that a reader held back is
  // tried again even without new commits.
  let seenVersion = -1;
  let complete = false;
  let failing = false;
  while (!stopped) {
    const version = connection.get<{ data_version: number }>("PRAGMA data_version")!.data_version;
    if (version !== seenVersion || !complete) {
      seenVersion = version;
      try {
        const result = checkpoint(connection, locker);
        complete = result.busy === 0 && result.checkpointed === result.log;
        if (failing) logger.info("checkpoints of the WAL succeed again");
        failing = false;
      } catch (error) {
        complete = false;

        // Logged once per run of failures: on a full disk it fails every interval.
        if (!failing) {
          logger.warn(
            `checkpoint of the WAL failed: ${(error as Error).message}; trying again every ${CHECKPOINT_INTERVAL_MS} ms`,
          );
        }
        failing = true;
      }
    }
    if (stopped) break;
    await new Promise<void>((resolve) => {
      wakeUp = resolve;
      setTimeout(resolve, CHECKPOINT_INTERVAL_MS);
    });
  }

  connection.close();
  locker.close();
  return 0;
}

/**
 * Copies the WAL into the database file. Past `RESET_FRAMES`, it copies the rest
 * while `locker` holds the write lock, so that the WAL is started over.
 */
function checkpoint(connection: PlainSqlite, locker: PlainSqlite): CheckpointResult {
  const passive = passiveCheckpoint(connection);
  if (passive.log < RESET_FRAMES) return passive;
  if (!takeWriteLock(locker)) return passive;

  try {
    return passiveCheckpoint(connection);
  } finally {
    locker.exec("ROLLBACK");
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Tries to begin a write transaction every millisecond for up to `LOCK_WAIT_MS`.
 * SQLite's RESTART checkpoint waits for the lock in its busy handler instead, whose
 * sleeps grow to 100 ms, and two busy workers kept it waiting while the WAL grew past
 * 20,000 frames. Short tries find the gaps between the workers' transactions.
 */
function takeWriteLock(locker: PlainSqlite): boolean {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      locker.exec("BEGIN IMMEDIATE");
      return true;
    } catch (error) {
      if (classifySqliteError(error) !== "busy") throw error;
      if (Date.now() >= deadline) return false;
    }

    // The checkpointer runs in a thread or process of its own, so blocking it is fine.
    Atomics.wait(pause, 0, 0, 1);
  }
}

function passiveCheckpoint(connection: PlainSqlite): CheckpointResult {
  return connection.get<CheckpointResult>("PRAGMA wal_checkpoint(PASSIVE)")!;
}
