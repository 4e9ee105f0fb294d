import process from "node:process";
import { createInterface } from "node:readline";
import type { Terminal } from "../../src/adapter.ts";

/** The command line through Node's process object (Bun implements it too). */
export const terminal: Terminal = {
  args: () => process.argv.slice(2),
  write: (text) => {
    process.stdout.write(text);
  },
  writeError: (text) => {
    process.stderr.write(text);
  },
  readLine: () =>
    new Promise((resolve) => {
      const lines = createInterface({ input: process.stdin });
      let answered = false;
      lines.once("line", (line) => {
        answered = true;
        lines.close();
        resolve(line);
      });
      lines.once("close", () => {
        if (!answered) resolve(undefined);
      });
    }),
  isInteractive: () => process.stdin.isTTY === true,
  exit: (code) => {
    // Setting exitCode instead of calling exit() lets piped stdout drain first.
    process.exitCode = code;
  },
};
