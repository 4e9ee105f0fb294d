/** Help texts of the admin command. */

import { SETTING_SPECS } from "../settings.ts";
import type { CommandName } from "./parse-arguments.ts";

export const GENERAL_HELP = `Usage: autocron <database> <command> [options]

Inspect and manage an autocron queue. <database> is a file name (looked up in
~/.autocron/), a path or a file: URL, as given to start().

Commands:
  info              settings, supervisor, workers, counts of tasks and results
  tasks             queued tasks with due times; cron tasks with next runs
  results           recent results with status, duration and error
  set <name> <val>  change a setting; running apps apply it within a tick
  set-defaults      reset every setting to its default
  retry <id>        run a waiting task now, or queue a task in error again
  cancel <id>       remove a waiting task; its result becomes an error
  purge --status S  delete results with status ready, error or all
  delete-database   delete the database file (asks first unless --yes)

Options:
  --json            print JSON instead of tables and messages
  --limit N         show at most N rows (tasks, results; default 50)
  --yes, -y         do not ask before deleting the database
  --help, -h        show help; "autocron <command> --help" for one command
  --version         print the autocron version

Spellings of the Python autocron also work: -i/--info, -t/--tasks, -r/--results,
--set-max-workers N, --set-autocron-lock on|off, --set-result-ttl SECONDS,
--set-worker-idle-time SECONDS, --set-monitor-idle-time SECONDS, --set-defaults,
--delete-database.

Errors print one line and exit with status 2.
`;

const SETTINGS_LIST = SETTING_SPECS.map((spec) => {
  const range = spec.type === "boolean" ? "on|off" : `${spec.min}-${spec.max}`;
  return `  ${spec.option.padEnd(20)} ${range.padEnd(12)} ${spec.description}`;
}).join("\n");

export const COMMAND_HELP: Record<CommandName, string> = {
  info: `Usage: autocron <database> info [--json]

Prints the database path, schema version, every setting, the supervisor of each
host (pid, host, lease expiry), the running workers (id, pid, since when,
current task), and counts of tasks by status and of stored results.
`,
  tasks: `Usage: autocron <database> tasks [--limit N] [--json]

Prints queued delayed tasks, earliest due first, with due time in local time and
UTC, name, attempts and a preview of the arguments; then each cron task with its
schedule, time zone and next three runs. The ID column shows the end of each id,
which retry and cancel accept.
`,
  results: `Usage: autocron <database> results [--status ready|error] [--limit N] [--json]

Prints stored results, most recent first, with status, run time, finish time and
error message.
`,
  set: `Usage: autocron <database> set <setting> <value>

Settings:
${SETTINGS_LIST}

Booleans accept on, off, true and false in any case. A running app applies a new
value within one monitor tick: more max-workers start workers, fewer stop some.
`,
  "set-defaults": `Usage: autocron <database> set-defaults

Resets every setting to its default.
`,
  retry: `Usage: autocron <database> retry <id>

Makes a waiting task (or a cron task's next run) due now, or puts a task whose
result is an error back into the queue under the same id, with its arguments.
`,
  cancel: `Usage: autocron <database> cancel <id>

Removes a waiting delayed task from the queue. Its result becomes an error
(CancelledError), so callers waiting on it learn what happened.
`,
  purge: `Usage: autocron <database> purge --status ready|error|all

Deletes stored results with that status.
`,
  "delete-database": `Usage: autocron <database> delete-database [--yes]

Deletes the database file and its -wal and -shm files without opening it, so a
damaged file can be removed too. Asks for confirmation unless --yes is given.
`,
};
