import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { sql } from "kysely";
import { RESET_FRAMES } from "../src/checkpointer.ts";
import { killAll, makeTempDir, openDatabase, startDriver, waitUntil } from "./helpers.ts";

const TIMEOUT = { timeout: 180_000 };

/**
 * Reads the WAL's length in frames and how many of them were copied into the
 * database file, from the header of the `-shm` file that SQLite keeps in shared
 * memory. Reading it takes no lock and runs no checkpoint, unlike any PRAGMA.
 * Returns undefined while SQLite is rewriting the header (its two copies differ).
 */
function readWalIndex(database: string): { frames: number; copied: number } | undefined {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(`${database}-shm`);
  } catch {
    return undefined;
  }
  if (bytes.length < 132) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 0; offset < 48; offset++) {
    if (bytes[offset] !== bytes[48 + offset]) return undefined;
  }
  // The header is in the machine's byte order: 48 bytes twice, with the frame count
  // at offset 16, then the checkpoint info, whose first field counts copied frames.
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  return { frames: view.getUint32(16, littleEndian), copied: view.getUint32(96, littleEndian) };
}

/** Waits until the WAL has frames and all of them were copied into the database file. */
async function waitForFullCheckpoint(database: string, description: string): Promise<void> {
  await waitUntil(() => {
    const index = readWalIndex(database);
    return index !== undefined && index.frames > 0 && index.copied === index.frames;
  }, 30_000, description);
}

test("checkpointer copies the WAL after tasks", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const app = await startDriver(database);
  try {
    await app.request({ cmd: "start", options: { workers: 1 } });
    const { ids } = await app.request({ cmd: "delay", task: "echo", args: ["{i}"], count: 200 });
    await app.request({ cmd: "wait", id: (ids as string[])[199], timeoutMs: 60_000 });

    // 200 tasks write far fewer pages than a commit's own checkpoint waits for, so
    // only the supervisor's checkpointer can have copied them.
    await waitForFullCheckpoint(database, "a WAL copied in full into the database file");
    await app.request({ cmd: "stop" });
  } finally {
    await killAll(app);
    dir.cleanup();
  }
});

test("checkpointer bounds the WAL of a nonstop writer", TIMEOUT, async () => {
  const dir = makeTempDir();
  const database = join(dir.path, "queue.db");
  const app = await startDriver(database);
  const writer = await openDatabase(database);
  try {
    await app.request({ cmd: "start", options: { workers: 0 } });
    await waitForFullCheckpoint(database, "the checkpointer's first checkpoint");

    // The writer never checkpoints itself, and commits four times per timer turn, so
    // that a passive checkpoint seldom finishes between two of its commits. On Deno,
    // one commit per turn left the checkpoint time to finish.
    await sql`PRAGMA wal_autocheckpoint = 0`.execute(writer.db);
    await sql`PRAGMA busy_timeout = 5000`.execute(writer.db);
    await sql`CREATE TABLE load (id INTEGER PRIMARY KEY, body TEXT)`.execute(writer.db);
    const body = "x".repeat(3_000);

    let written = 0;
    let longest = 0;
    let previous = 0;
    const deadline = Date.now() + 90_000;
    while (written < 8 * RESET_FRAMES) {
      assert.ok(Date.now() < deadline, `timed out after ${written} frames`);
      for (let commit = 0; commit < 4; commit++) {
        await sql`INSERT INTO load (body) VALUES (${body})`.execute(writer.db);
      }

      // A shorter WAL than before means it was started over from its first frame.
      const frames = readWalIndex(database)?.frames ?? previous;
      written += frames >= previous ? frames - previous : frames;
      previous = frames;
      longest = Math.max(longest, frames);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }

    assert.ok(
      longest < 3 * RESET_FRAMES,
      `the WAL reached ${longest} frames while ${written} were written; it should stay near ${RESET_FRAMES}`,
    );
    await app.request({ cmd: "stop" });
  } finally {
    await writer.close();
    await killAll(app);
    dir.cleanup();
  }
});
