// Copies the version from package.json, its one source, into deno.json. Runs as
// npm's "version" hook, so `npm version patch` updates both files.
import { readFileSync, writeFileSync } from "node:fs";

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const denoJsonUrl = new URL("../deno.json", import.meta.url);
const denoJson = JSON.parse(readFileSync(denoJsonUrl, "utf8"));
denoJson.version = packageJson.version;
writeFileSync(denoJsonUrl, JSON.stringify(denoJson, null, 2) + "\n");
