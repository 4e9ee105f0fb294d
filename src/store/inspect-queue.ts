import { type Kysely, type Selectable, sql } from "kysely";
import type { Database, ResultTable, SupervisorTable, TaskTable, WorkerTable } from "./schema.ts";

export interface WorkerView extends Selectable<WorkerTable> {
  /** The task the worker is running, if any. */
  tasks: Array<{ id: string; name: string; started_at: number | null }>;
}

export interface QueueCounts {
  waiting: number;
  processing: number;
  cron: number;
  ready: number;
  error: number;
}

/** Reads the supervisor leases, the workers with their running tasks, and counts by status. */
export async function readQueueOverview(db: Kysely<Database>): Promise<{
  supervisors: Selectable<SupervisorTable>[];
  workers: WorkerView[];
  counts: QueueCounts;
}> {
  const supervisors = await db.selectFrom("autocron_supervisors").selectAll().orderBy("host").execute();
  const workers = await db.selectFrom("autocron_workers").selectAll().orderBy("started_at").execute();
  const running = await db
    .selectFrom("autocron_tasks")
    .select(["id", "name", "started_at", "worker_id"])
    .where("status", "=", "processing")
    .execute();

  const taskCounts = await db
    .selectFrom("autocron_tasks")
    .select(["kind", "status", sql<number>`count(*)`.as("count")])
    .groupBy(["kind", "status"])
    .execute();
  const resultCounts = await db
    .selectFrom("autocron_results")
    .select(["status", sql<number>`count(*)`.as("count")])
    .groupBy("status")
    .execute();

  const counts: QueueCounts = { waiting: 0, processing: 0, cron: 0, ready: 0, error: 0 };
  for (const row of taskCounts) {
    if (row.kind === "cron") counts.cron += Number(row.count);
    else counts[row.status] += Number(row.count);
  }
  for (const row of resultCounts) counts[row.status] += Number(row.count);

  return {
    supervisors,
    workers: workers.map((worker) => ({
      ...worker,
      tasks: running.filter((task) => task.worker_id === worker.id).map(({ worker_id: _, ...task }) => task),
    })),
    counts,
  };
}

/** Reads queued tasks (delayed and cron), earliest due first. */
export async function listQueuedTasks(db: Kysely<Database>, limit: number): Promise<Selectable<TaskTable>[]> {
  return await db.selectFrom("autocron_tasks").selectAll().orderBy("due_at").orderBy("id").limit(limit).execute();
}

/** Reads stored results, most recently finished first. */
export async function listResults(
  db: Kysely<Database>,
  limit: number,
  status?: "ready" | "error",
): Promise<Selectable<ResultTable>[]> {
  let query = db.selectFrom("autocron_results").selectAll().orderBy("finished_at", "desc").limit(limit);
  if (status) query = query.where("status", "=", status);
  return await query.execute();
}
