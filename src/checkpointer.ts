/**
 * The checkpointer: a thread of the supervising process that copies the WAL back
 * into the database file, so that the commits of workers and request handlers do
 * not have to.
 *
 * SQLite's own automatic checkpoint runs inside the commit that takes the WAL past
 * its threshold, and the task or enqueue behind that commit waits for the copy and
 * its sync. With two or more busy workers it also seldom finishes, because the
 * others keep writing, so the WAL is never reset and many commits run another one.
 * Here a passive checkpoint runs on a timer off the path of commits, and when the
 * WAL still grows, a restart checkpoint makes the next writer start it over.
 *
 * The supervisor starts it through the spawner like a worker, so its bootstrap
 * calls `runWorker()` here.
 */

import type { ParentChannel, PlainSqlite, WorkerInit } from "./adapter.ts";
import { Logger, type LogLevel } from "./logger.ts";
import { loadAdapter } from "./runtime.ts";
import { BUSY_TIMEOUT_MS } from "./store/storage-errors.ts";

/** How often the checkpointer looks for new commits to copy. */
export const CHECKPOINT_INTERVAL_MS = 100;

/**
 * Past this many frames (16 MiB with 4 KiB pages) a restart checkpoint bounds the
 * WAL. It holds back writers while it copies the frames added since the last passive
 * checkpoint, so it should not run often.
 */
export const RESTART_FRAMES = 4_000;

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
  try {
    connection = await (await loadAdapter()).openPlainSqlite(init.databasePath);
    connection.get(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    logger.error(`the checkpointer could not open the database: ${(error as Error).message}`);
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
        const result = checkpoint(connection);
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
  return 0;
}

/** Copies the WAL into the database file, and restarts the WAL when it has grown too long. */
export function checkpoint(connection: PlainSqlite): CheckpointResult {
  const passive = walCheckpoint(connection, "PASSIVE");
  if (passive.log < RESTART_FRAMES) return passive;

  // Writers that never pause keep a passive checkpoint from catching up with them,
  // and only a WAL copied in full is started over by the next writer.
  return walCheckpoint(connection, "RESTART");
}

function walCheckpoint(connection: PlainSqlite, mode: "PASSIVE" | "RESTART"): CheckpointResult {
  return connection.get<CheckpointResult>(`PRAGMA wal_checkpoint(${mode})`)!;
}
