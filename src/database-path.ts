import type { System } from "./adapter.ts";
import { describe } from "./describe.ts";

/** The directory under the home directory for databases given by bare file name. */
export const DEFAULT_DIRECTORY = ".autocron";

export type DatabaseLocation =
  | { kind: "sqlite"; path: string }
  | { kind: "postgres"; url: string };

/**
 * Resolves the `database` argument of `start()`:
 * - a bare file name ("project.db") goes to `~/.autocron/`, created when missing;
 * - an absolute path or a `file:` URL is used as given, and its directory must exist;
 * - a relative path with a directory ("data/project.db") is resolved against the
 *   working directory, and its directory must exist;
 * - a `postgres://` or `postgresql://` URL selects PostgreSQL.
 */
export function resolveDatabaseLocation(
  database: unknown,
  system: System,
  options: { createDirectory?: boolean; checkDirectory?: boolean } = {},
): DatabaseLocation {
  if (database instanceof URL) {
    database = database.href;
  }
  if (typeof database !== "string" || database.trim() === "") {
    throw new TypeError(
      `start: database must be a file name, a path, a file URL or a postgres:// URL, got ${describe(database)}`,
    );
  }
  if (/^postgres(ql)?:\/\//i.test(database)) {
    return { kind: "postgres", url: database };
  }
  if (database === ":memory:" || database.startsWith("file::memory:")) {
    throw new TypeError(
      `start: an in-memory database cannot be shared with worker processes; pass a file name such as "project.db"`,
    );
  }

  const path = database.startsWith("file:") ? system.fileUrlToPath(database) : database;
  if (isBareFileName(path)) {
    const directory = system.joinPath(system.homeDirectory(), DEFAULT_DIRECTORY);
    if (options.createDirectory !== false) system.makeDirectory(directory);
    return { kind: "sqlite", path: system.joinPath(directory, path) };
  }

  const resolved = system.resolvePath(path);
  const directory = system.dirname(resolved);
  if (options.checkDirectory === false) {
    return { kind: "sqlite", path: resolved };
  }
  if (!system.isDirectory(directory)) {
    throw new Error(
      `start: the directory ${directory} of database ${resolved} does not exist; create it first, ` +
        `or pass a bare file name such as "project.db" to keep the database in ~/${DEFAULT_DIRECTORY}/`,
    );
  }
  if (system.isDirectory(resolved)) {
    throw new Error(`start: database ${resolved} is a directory; pass the path of a file inside it`);
  }
  return { kind: "sqlite", path: resolved };
}

function isBareFileName(path: string): boolean {
  return !path.includes("/") && !path.includes("\\") && path !== "." && path !== "..";
}
