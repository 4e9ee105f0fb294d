import process from "node:process";
import type { Signals } from "../../src/adapter.ts";

/** Shutdown signals through Node's process events (Bun and Deno implement them too). */
export const signals: Signals = {
  add: (signal, listener) => {
    process.prependListener(signal, listener);
  },
  remove: (signal, listener) => {
    process.off(signal, listener);
  },
  listenerCount: (signal) => process.listenerCount(signal),
  raise: (signal) => {
    process.kill(process.pid, signal);
  },
  exit: (code) => process.exit(code),
};
