import type { Insertable, Kysely } from "kysely";
import type { Database, WorkerTable } from "./schema.ts";

/** Records a started worker, so the admin command can list it. */
export async function registerWorker(db: Kysely<Database>, worker: Insertable<WorkerTable>): Promise<void> {
  await db.insertInto("autocron_workers").values(worker).execute();
}

/** Removes the record of a worker that exited. */
export async function unregisterWorker(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom("autocron_workers").where("id", "=", id).execute();
}

/**
 * Removes the records of workers on this host that belong to another supervisor.
 * Called after a takeover: those workers exit by themselves once their supervisor
 * is gone.
 */
export async function removeForeignWorkers(db: Kysely<Database>, host: string, supervisor: string): Promise<void> {
  await db.deleteFrom("autocron_workers").where("host", "=", host).where("supervisor", "!=", supervisor).execute();
}
