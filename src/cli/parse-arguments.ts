/** Parses the admin command's arguments, including the Python autocron spellings. */

export const COMMANDS = ["info", "tasks", "results", "set", "set-defaults", "retry", "cancel", "purge", "delete-database"] as const;
export type CommandName = typeof COMMANDS[number];

export interface ParsedArguments {
  database: string | undefined;
  command: CommandName | undefined;
  operands: string[];
  json: boolean;
  yes: boolean;
  help: boolean;
  version: boolean;
  limit: number | undefined;
  status: string | undefined;
}

/** Raised for arguments that do not form a command; the admin command exits with 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

// Flags of the Python original, mapped to a command and the operands they stand for.
const PYTHON_FLAGS: Record<string, { command: CommandName; setting?: string; takesValue: boolean }> = {
  "-i": { command: "info", takesValue: false },
  "--info": { command: "info", takesValue: false },
  "-t": { command: "tasks", takesValue: false },
  "--tasks": { command: "tasks", takesValue: false },
  "-r": { command: "results", takesValue: false },
  "--results": { command: "results", takesValue: false },
  "--set-max-workers": { command: "set", setting: "max-workers", takesValue: true },
  "--set-autocron-lock": { command: "set", setting: "disabled", takesValue: true },
  "--set-result-ttl": { command: "set", setting: "result-ttl-seconds", takesValue: true },
  "--set-worker-idle-time": { command: "set", setting: "worker-idle-time", takesValue: true },
  "--set-monitor-idle-time": { command: "set", setting: "monitor-idle-time", takesValue: true },
  "--set-defaults": { command: "set-defaults", takesValue: false },
  "--delete-database": { command: "delete-database", takesValue: false },
};

const RETIRED_FLAGS: Record<string, string> = {
  "--set-monitor-lock": "the monitor lock is gone: the supervisor holds a lease that expires by itself when its process dies",
  "--set-blocking-mode": "blocking mode is gone: every delayed call returns at once, and result.wait() blocks when you want it to",
};

/** Splits arguments into the database, the command, its operands and the options. */
export function parseArguments(args: readonly string[]): ParsedArguments {
  const parsed: ParsedArguments = {
    database: undefined,
    command: undefined,
    operands: [],
    json: false,
    yes: false,
    help: false,
    version: false,
    limit: undefined,
    status: undefined,
  };
  const positionals: string[] = [];

  for (let index = 0; index < args.length; index++) {
    const [flag, inlineValue] = splitInlineValue(args[index]!);
    const takeValue = (): string => {
      const value = inlineValue ?? args[++index];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      return value;
    };

    if (flag === "--json") parsed.json = true;
    else if (flag === "--yes" || flag === "-y") parsed.yes = true;
    else if (flag === "--help" || flag === "-h") parsed.help = true;
    else if (flag === "--version" || flag === "-V") parsed.version = true;
    else if (flag === "--limit") parsed.limit = parseLimit(takeValue());
    else if (flag === "--status") parsed.status = takeValue();
    else if (flag in RETIRED_FLAGS) throw new UsageError(`${flag} is not supported: ${RETIRED_FLAGS[flag]}`);
    else if (flag in PYTHON_FLAGS) {
      const alias = PYTHON_FLAGS[flag]!;
      setCommand(parsed, alias.command, flag);
      if (alias.setting) parsed.operands.push(alias.setting, takeValue());
    } else if (flag.startsWith("-") && flag !== "-") {
      throw new UsageError(`unknown option ${flag}; see autocron --help`);
    } else {
      positionals.push(args[index]!);
    }
  }

  assignPositionals(parsed, positionals);
  return parsed;
}

function splitInlineValue(argument: string): [string, string | undefined] {
  const equals = argument.indexOf("=");
  if (!argument.startsWith("--") || equals < 0) return [argument, undefined];
  return [argument.slice(0, equals), argument.slice(equals + 1)];
}

function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit must be a whole number of at least 1, got "${text}"`);
  }
  return limit;
}

function setCommand(parsed: ParsedArguments, command: CommandName, source: string): void {
  if (parsed.command && parsed.command !== command) {
    throw new UsageError(`${source} conflicts with the ${parsed.command} command; give one command at a time`);
  }
  parsed.command = command;
}

// The first positional is the database, unless it names a command and --help requests
// for that command's help ("autocron set --help").
function assignPositionals(parsed: ParsedArguments, positionals: string[]): void {
  const isCommand = (word: string | undefined): word is CommandName => COMMANDS.includes(word as CommandName);

  if (parsed.help && isCommand(positionals[0])) {
    setCommand(parsed, positionals.shift() as CommandName, positionals[0] ?? "");
    return;
  }
  parsed.database = positionals.shift();
  if (parsed.command === undefined && positionals.length > 0) {
    const word = positionals.shift()!;
    if (!isCommand(word)) {
      throw new UsageError(`unknown command "${word}"; commands are ${COMMANDS.join(", ")}`);
    }
    parsed.command = word;
  }
  parsed.operands.push(...positionals);
}
