/**
 * What each peer queue's benchmark module exports, so that the runner measures
 * autocron and its peers with the same scenarios in the same run.
 *
 * A peer module is run as a script under one runtime:
 *   <runtime> scripts/bench/peers/<peer>.ts '<json BenchRequest>'
 * and prints its measurement as the last stdout line: `RESULT <json BenchResult>`.
 * Progress goes to stderr. Every scenario uses a fresh SQLite file in `directory`,
 * in WAL mode with synchronous=NORMAL.
 */

export type BenchRuntime = "node" | "bun" | "deno";

export type BenchRequest =
  /** Enqueue `count` no-op jobs, one per event-loop turn ("spread") or all in one turn ("burst"). */
  | { scenario: "enqueue"; directory: string; count: number; mode: "spread" | "burst" }
  /**
   * Store `count` no-op jobs first, then drain them with `workers` worker processes
   * (or threads, when the peer supports them and `isolation` is "thread").
   */
  | { scenario: "drain"; directory: string; count: number; workers: number; isolation: "process" | "thread" }
  /**
   * On an idle queue with one worker, enqueue one job at a time and time call to job
   * start. Before each call the script pauses a random 0 to `maxGapMs` ms (default
   * 1000), so that calls land at random points of a polling worker's sleep.
   */
  | { scenario: "latency"; directory: string; count: number; maxGapMs?: number };

export type BenchResult =
  /** Time from the first call to the moment every job is durably stored. */
  | { scenario: "enqueue"; count: number; seconds: number }
  /** Time from the first job's start to the last job's completion, from the peer's own records. */
  | { scenario: "drain"; count: number; seconds: number }
  /** Milliseconds from each call to its job's start, measured with performance.timeOrigin + performance.now(). */
  | { scenario: "latency"; samplesMs: number[] }
  /** The peer does not support this scenario on this runtime; `reason` says why. */
  | { scenario: BenchRequest["scenario"]; unsupported: string };
