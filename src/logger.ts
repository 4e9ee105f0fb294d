/**
 * Logging: quiet by default, but warnings and errors (a failed task, a crashed or
 * restarted worker, a lease taken over) always reach stderr unless the app routes
 * them elsewhere with the `logger` option.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

/** One log event; fields beyond `level` and `message` are present when they apply. */
export interface LogEvent {
  level: LogLevel;
  message: string;
  taskId?: string;
  task?: string;
  attempt?: number;
  maxAttempts?: number;
  durationMs?: number;
  workerId?: string;
  pid?: number;
  error?: { name: string; message: string; stack?: string };
}

export type LogFunction = (event: LogEvent) => void;

/** Levels to print to stderr, or a function that receives every event. */
export type LoggerOption = readonly LogLevel[] | LogFunction;

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
export const DEFAULT_LOG_LEVELS: readonly LogLevel[] = ["warn", "error"];

export class Logger {
  readonly #levels: ReadonlySet<LogLevel>;
  readonly #sink: LogFunction | undefined;
  readonly #scope: Partial<LogEvent>;

  constructor(option: LoggerOption = DEFAULT_LOG_LEVELS, scope: Partial<LogEvent> = {}) {
    if (typeof option === "function") {
      this.#sink = option;
      this.#levels = new Set(LOG_LEVELS);
    } else {
      this.#sink = undefined;
      this.#levels = new Set(option);
    }
    this.#scope = scope;
  }

  /** Returns a logger that adds `fields` to every event, such as a worker id. */
  scope(fields: Partial<LogEvent>): Logger {
    const child = new Logger(this.#sink ?? [...this.#levels], { ...this.#scope, ...fields });
    return child;
  }

  /** The levels a worker logs at: all when events go to a function, else this logger's levels. */
  get workerLevels(): LogLevel[] {
    return [...this.#levels];
  }

  /** True when events go to a function, which a worker cannot call: its events are forwarded. */
  get sendsToFunction(): boolean {
    return this.#sink !== undefined;
  }

  /** Passes on an event that a worker logged, as if logged here. */
  forward(event: LogEvent): void {
    this.#emit(event.level, event.message, event);
  }

  debug(message: string, fields?: Partial<LogEvent>): void {
    this.#emit("debug", message, fields);
  }

  info(message: string, fields?: Partial<LogEvent>): void {
    this.#emit("info", message, fields);
  }

  warn(message: string, fields?: Partial<LogEvent>): void {
    this.#emit("warn", message, fields);
  }

  error(message: string, fields?: Partial<LogEvent>): void {
    this.#emit("error", message, fields);
  }

  #emit(level: LogLevel, message: string, fields?: Partial<LogEvent>): void {
    if (!this.#levels.has(level)) {
      return;
    }
    const event: LogEvent = { ...this.#scope, ...fields, level, message };

    if (this.#sink) {
      // A throwing log function must never stop a worker or the supervisor.
      try {
        this.#sink(event);
      } catch (error) {
        console.error("autocron: the logger function threw:", error);
      }
      return;
    }
    console.error(`autocron: ${message}`);
  }
}

/** Checks the `logger` option of `start()`. */
export function validateLoggerOption(option: unknown): LoggerOption {
  if (typeof option === "function") {
    return option as LogFunction;
  }
  if (Array.isArray(option) && option.every((level) => LOG_LEVELS.includes(level))) {
    return option as LogLevel[];
  }
  throw new TypeError(
    `start: logger must be a list of levels (${LOG_LEVELS.map((level) => `"${level}"`).join(", ")}) ` +
      `or a function that receives log events`,
  );
}
