import type { Generated } from "kysely";

/**
 * Table types for Kysely. Times are instants in UTC milliseconds, so that no value
 * depends on the zone of the process that wrote it.
 */

/** A task in the queue: a delayed call, or the single row of a cron schedule. */
export interface TaskTable {
  id: string;
  name: string;
  kind: "delay" | "cron";
  /** The encoded argument list (see `codec.ts`). */
  args: string;
  status: "waiting" | "processing";
  /** Higher runs first among tasks that are due. */
  priority: Generated<number>;
  due_at: number;
  /** Attempts started so far, including the running one. */
  attempts: Generated<number>;
  /** Retries plus one: how many attempts may fail before the task ends in error. */
  max_attempts: Generated<number>;
  /** Attempts cut short because their worker died; bounded apart from retries. */
  interruptions: Generated<number>;
  /** JSON of the retry policy, or null for the default. */
  backoff: string | null;
  timeout_ms: number | null;
  worker_id: string | null;
  lease_expires_at: number | null;
  started_at: number | null;
  created_at: number;
  /** Cron tasks only: the 6-field expression and the IANA zone it is computed in. */
  schedule: string | null;
  timezone: string | null;
  /** JSON list of failed attempts: `{ attempt, at, error }`. */
  attempt_log: Generated<string>;
  last_run_at: number | null;
  last_error: string | null;
}

/** The outcome of a delayed task, kept until `expires_at`. */
export interface ResultTable {
  id: string;
  name: string;
  status: "ready" | "error";
  /** The encoded return value when ready. */
  value: string | null;
  /** JSON of the serialized error when in error. */
  error: string | null;
  /** The encoded arguments, kept for tasks in error so the admin command can retry them. */
  args: string | null;
  /** JSON of `RetryOptions` for tasks in error, for the same reason. */
  options: string | null;
  attempts: number;
  attempt_log: Generated<string>;
  started_at: number | null;
  finished_at: number;
  expires_at: number;
}

/** One row per setting; values are JSON. */
export interface SettingTable {
  name: string;
  value: string;
}

/** The supervisor lease: one row per host, owned by the process that runs its workers. */
export interface SupervisorTable {
  host: string;
  owner: string;
  pid: number;
  started_at: number;
  expires_at: number;
}

/** A worker started by a supervisor, removed when it exits. */
export interface WorkerTable {
  id: string;
  host: string;
  supervisor: string;
  pid: number;
  isolation: string;
  started_at: number;
}

/** A log event of a worker, waiting for its supervisor to pass it to the app's logger function. */
export interface LogEventTable {
  id: Generated<number>;
  host: string;
  /** JSON of the `LogEvent`. */
  event: string;
  created_at: number;
}

export interface Database {
  autocron_tasks: TaskTable;
  autocron_results: ResultTable;
  autocron_settings: SettingTable;
  autocron_supervisors: SupervisorTable;
  autocron_workers: WorkerTable;
  autocron_log_events: LogEventTable;
}
