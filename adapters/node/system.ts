import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { System } from "../../src/adapter.ts";

/** File-system and process facts through Node's built-in modules (Bun implements them too). */
export const system: System = {
  pid: process.pid,
  hostname: () => hostname(),
  homeDirectory: () => homedir(),
  isAbsolutePath: (path) => isAbsolute(path),
  joinPath: (...parts) => join(...parts),
  resolvePath: (path) => resolve(path),
  dirname: (path) => dirname(path),
  fileUrlToPath: (url) => fileURLToPath(url),
  pathToFileUrl: (path) => pathToFileURL(path).href,
  isDirectory: (path) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false,
  exists: (path) => existsSync(path),
  makeDirectory: (path) => {
    mkdirSync(path, { recursive: true });
  },
  removeFile: (path) => rmSync(path, { force: true }),
};
