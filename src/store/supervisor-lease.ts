import type { Kysely, Selectable } from "kysely";
import type { Database, SupervisorTable } from "./schema.ts";

export interface LeaseClaim {
  host: string;
  owner: string;
  pid: number;
  now: number;
  leaseMs: number;
}

/**
 * Takes the supervisor lease of a host when it is free or its owner let it expire.
 * Returns true when `owner` has the lease afterwards. One upsert
 * decides it, so of several processes racing for the lease exactly one wins.
 */
export async function acquireSupervisorLease(db: Kysely<Database>, claim: LeaseClaim): Promise<boolean> {
  const row = await db
    .insertInto("autocron_supervisors")
    .values({
      host: claim.host,
      owner: claim.owner,
      pid: claim.pid,
      started_at: claim.now,
      expires_at: claim.now + claim.leaseMs,
    })
    .onConflict((conflict) =>
      conflict
        .column("host")
        .doUpdateSet((eb) => ({
          owner: eb.ref("excluded.owner"),
          pid: eb.ref("excluded.pid"),
          started_at: eb.ref("excluded.started_at"),
          expires_at: eb.ref("excluded.expires_at"),
        }))
        .where((eb) =>
          eb.or([
            eb("autocron_supervisors.expires_at", "<", claim.now),
            eb("autocron_supervisors.owner", "=", claim.owner),
          ])
        )
    )
    .returning("owner")
    .executeTakeFirst();
  return row?.owner === claim.owner;
}

/** Extends a lease this owner holds; returns false when the lease was lost. */
export async function renewSupervisorLease(db: Kysely<Database>, claim: LeaseClaim): Promise<boolean> {
  const result = await db
    .updateTable("autocron_supervisors")
    .set({ expires_at: claim.now + claim.leaseMs })
    .where("host", "=", claim.host)
    .where("owner", "=", claim.owner)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Gives the lease up, so another process can take over without waiting for expiry. */
export async function releaseSupervisorLease(db: Kysely<Database>, host: string, owner: string): Promise<void> {
  await db.deleteFrom("autocron_supervisors").where("host", "=", host).where("owner", "=", owner).execute();
}

/** Reads the lease of a host, expired or not. */
export async function readSupervisorLease(
  db: Kysely<Database>,
  host: string,
): Promise<Selectable<SupervisorTable> | undefined> {
  return await db.selectFrom("autocron_supervisors").selectAll().where("host", "=", host).executeTakeFirst();
}
