/**
 * The contracts between the runtime-neutral core and the per-runtime adapters in
 * `adapters/<runtime>/`. The core only ever talks to these interfaces; `runtime.ts`
 * picks the implementation once per process.
 */

import type { Kysely } from "kysely";
import type { Database } from "./store/schema.ts";

export type RuntimeName = "bun" | "deno" | "node";

/** How workers are isolated from the app: separate processes, or threads (Workers). */
export type Isolation = "process" | "thread";

/** An open SQLite file: the Kysely instance plus the few native calls the core needs. */
export interface SqliteHandle {
  readonly db: Kysely<Database>;

  /**
   * Returns `PRAGMA data_version` of this connection. It changes whenever another
   * connection commits, which makes it a cheap check for enqueues by other processes.
   */
  dataVersion(): number;

  /** Closes the connection; later queries fail. */
  close(): Promise<void>;
}

/**
 * A bare SQLite connection, for the checkpointer thread. It needs a few PRAGMAs
 * only, and loading Kysely would cost it more than all its other work at start.
 */
export interface PlainSqlite {
  /** Runs a statement that returns rows, such as a PRAGMA, and gives its first row. */
  get<Row>(sql: string): Row | undefined;
  /** Runs statements that return no rows, such as BEGIN. */
  exec(sql: string): void;
  close(): void;
}

/** A message from the supervising process to one of its workers. */
export type ParentMessage =
  | { type: "wake" }
  | { type: "stop" };

/** The worker's side of its link to the supervising process. */
export interface ParentChannel {
  /** Registers the handler for messages from the supervisor. */
  onMessage(handler: (message: ParentMessage) => void): void;

  /**
   * Registers the handler that runs when the supervisor is gone (its end of the
   * pipe closed because it exited or was killed). Threads never see this: they
   * end with their process.
   */
  onDisconnect(handler: () => void): void;
}

/** What ended a worker: an exit code, a signal name, or an error thrown in a thread. */
export interface WorkerExit {
  code: number | null;
  signal: string | null;
  error?: string;
}

/** A running worker as seen from the supervisor. */
export interface WorkerHandle {
  /** The process id, or this process's id for a thread. */
  readonly pid: number;

  /** Resolves once the worker has ended, however it ended. Never rejects. */
  readonly exited: Promise<WorkerExit>;

  /** Sends a message; it is dropped when the worker has already ended. */
  send(message: ParentMessage): void;

  /** Ends the worker at once (SIGKILL for a process, `terminate()` for a thread). */
  terminate(): void;
}

/** The data a worker needs to start; it must survive JSON encoding. */
export interface WorkerInit {
  workerId: string;
  supervisorId: string;
  databasePath: string;
  taskModules: string[];
  isolation: Isolation;
  workerIdleMs: number;
  logLevels: string[];
  /** The supervisor's host, under which the worker stores forwarded log events. */
  host: string;
  /** True when the app's logger is a function: the worker stores events for the supervisor to pass on. */
  forwardLogs: boolean;
}

/**
 * Starts workers. `entry` is the URL of a module that exports
 * `runWorker(init, channel)`; the adapter's bootstrap imports it in the new
 * process or thread, under the same runtime, loader and permissions as this one.
 */
export interface Spawner {
  spawn(entry: string, init: WorkerInit): WorkerHandle;
}

/** File-system and process facts the core needs but may not ask the runtime for itself. */
export interface System {
  readonly pid: number;
  hostname(): string;
  homeDirectory(): string;
  isAbsolutePath(path: string): boolean;
  joinPath(...parts: string[]): string;
  resolvePath(path: string): string;
  dirname(path: string): string;
  fileUrlToPath(url: string): string;
  pathToFileUrl(path: string): string;
  isDirectory(path: string): boolean;
  exists(path: string): boolean;
  makeDirectory(path: string): void;
  /** Deletes a file; a missing file is not an error. */
  removeFile(path: string): void;
}

/** The command line of this process, for the admin command. */
export interface Terminal {
  /** The arguments after the script name. */
  args(): string[];
  write(text: string): void;
  writeError(text: string): void;
  /** Reads one line from stdin; resolves undefined at end of input. */
  readLine(): Promise<string | undefined>;
  /** True when stdin is a terminal, so a question can be asked. */
  isInteractive(): boolean;
  /** Ends the process once the output written so far is flushed. */
  exit(code: number): void;
}

export type ShutdownSignal = "SIGINT" | "SIGTERM";

/** The process's shutdown signals. */
export interface Signals {
  /** Adds a listener that runs before the app's own listeners of the signal. */
  add(signal: ShutdownSignal, listener: () => void): void;
  remove(signal: ShutdownSignal, listener: () => void): void;
  /** Counts every listener on the signal in this process, the app's included. */
  listenerCount(signal: ShutdownSignal): number;
  /** Sends the signal to this process, so that its default action (ending it) applies. */
  raise(signal: ShutdownSignal): void;
  /** Ends the process at once with this exit code. */
  exit(code: number): void;
}

/** Everything one runtime provides to the core. */
export interface RuntimeAdapter {
  readonly name: RuntimeName;
  readonly system: System;
  readonly terminal: Terminal;
  readonly signals: Signals;
  openSqlite(path: string): Promise<SqliteHandle>;
  openPlainSqlite(path: string): Promise<PlainSqlite>;
  spawner(isolation: Isolation): Spawner;
}
