import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { System } from "../../src/adapter.ts";
import { Deno } from "./deno-api.ts";

/**
 * File-system and process facts through Deno's own APIs. Path arithmetic uses
 * node:path, which Deno provides built in, because JSR's @std/path is not an npm
 * package.
 */
export const system: System = {
  pid: Deno.pid,
  hostname: () => Deno.hostname(),
  homeDirectory: () => {
    const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
    if (!home) {
      throw new Error("autocron: HOME is not set, so ~/.autocron cannot be found; pass an absolute database path");
    }
    return home;
  },
  isAbsolutePath: (path) => isAbsolute(path),
  joinPath: (...parts) => join(...parts),
  resolvePath: (path) => resolve(path),
  dirname: (path) => dirname(path),
  fileUrlToPath: (url) => fileURLToPath(url),
  pathToFileUrl: (path) => pathToFileURL(path).href,
  isDirectory: (path) => {
    try {
      return Deno.statSync(path).isDirectory;
    } catch {
      return false;
    }
  },
  exists: (path) => {
    try {
      Deno.statSync(path);
      return true;
    } catch {
      return false;
    }
  },
  makeDirectory: (path) => Deno.mkdirSync(path, { recursive: true }),
  removeFile: (path) => {
    try {
      Deno.removeSync(path);
    } catch (error) {
      if (!(error instanceof Error && error.name === "NotFound")) throw error;
    }
  },
};
