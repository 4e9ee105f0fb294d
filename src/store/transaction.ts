import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";

/**
 * Runs `work` in one write transaction on the single SQLite connection.
 *
 * It starts with `BEGIN IMMEDIATE` instead of Kysely's plain `BEGIN`: a deferred
 * transaction that reads first and writes later can fail with SQLITE_BUSY at the
 * write without the busy timeout ever being applied, while an immediate one waits
 * for the write lock up front.
 */
export function writeTransaction<T>(
  db: Kysely<Database>,
  work: (connection: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql`BEGIN IMMEDIATE`.execute(connection);

    let result: T;
    try {
      result = await work(connection);
    } catch (error) {
      // The rollback may fail too when SQLite already rolled back on its own (for
      // example after SQLITE_FULL); the original error is the one to report.
      await sql`ROLLBACK`.execute(connection).catch(() => undefined);
      throw error;
    }

    await sql`COMMIT`.execute(connection);
    return result;
  });
}
