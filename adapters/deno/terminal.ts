import type { Terminal } from "../../src/adapter.ts";
import { Deno } from "./deno-api.ts";

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(data: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) {
    bytes = bytes.subarray(stream.writeSync(bytes));
  }
}

/** The command line through Deno's own APIs. */
export const terminal: Terminal = {
  args: () => [...Deno.args],
  write: (text) => writeAll(Deno.stdout, text),
  writeError: (text) => writeAll(Deno.stderr, text),
  readLine: async () => {
    const reader = Deno.stdin.readable.getReader();
    const decoder = new TextDecoder();
    let line = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return line === "" ? undefined : line;
        line += decoder.decode(value, { stream: true });
        const end = line.indexOf("\n");
        if (end >= 0) return line.slice(0, end).replace(/\r$/, "");
      }
    } finally {
      reader.releaseLock();
    }
  },
  isInteractive: () => Deno.stdin.isTerminal(),
  exit: (code) => Deno.exit(code),
};
