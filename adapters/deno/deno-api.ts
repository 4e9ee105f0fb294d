/**
 * The part of the `Deno` namespace this adapter uses. It is declared here because
 * the project is type-checked by `tsc` with Node's types, not Deno's type library.
 * At run time `Deno` is the real global.
 */

export interface DenoPermissionStatus {
  state: "granted" | "denied" | "prompt";
}

export interface DenoChildProcess {
  readonly pid: number;
  readonly stdin: WritableStream<Uint8Array>;
  readonly status: Promise<{ success: boolean; code: number; signal: string | null }>;
  kill(signal?: string): void;
}

export interface DenoApi {
  readonly pid: number;
  readonly args: string[];
  readonly stdin: { readable: ReadableStream<Uint8Array>; isTerminal(): boolean };
  execPath(): string;
  hostname(): string;
  exit(code?: number): never;
  cwd(): string;
  env: { get(name: string): string | undefined };
  statSync(path: string): { isDirectory: boolean; isFile: boolean };
  mkdirSync(path: string, options?: { recursive?: boolean }): void;
  removeSync(path: string): void;
  addSignalListener(signal: string, handler: () => void): void;
  stdout: { writeSync(data: Uint8Array): number };
  stderr: { writeSync(data: Uint8Array): number };
  permissions: {
    querySync(descriptor: { name: string; path?: string; command?: string }): DenoPermissionStatus;
  };
  Command: new (command: string, options: {
    args: string[];
    stdin: "piped";
    stdout: "inherit";
    stderr: "inherit";
  }) => { spawn(): DenoChildProcess };
}

// @ts-expect-error cross-runtime: `Deno` exists only when running on Deno.
export const Deno: DenoApi = globalThis.Deno;
