// Copies the version from package.json, its one source, into deno.json and
// src/version.ts. Runs as npm's "version" hook, so `npm version patch` updates all.
import { readFileSync, writeFileSync } from "node:fs";

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
// A text replacement keeps the rest of deno.json as it is formatted.
const denoJsonUrl = new URL("../deno.json", import.meta.url);
const denoJson = readFileSync(denoJsonUrl, "utf8");
writeFileSync(denoJsonUrl, denoJson.replace(/"version": "[^"]*"/, `"version": "${packageJson.version}"`));

writeFileSync(
  new URL("../src/version.ts", import.meta.url),
  `// Written by scripts/sync-version.mjs from package.json; do not edit.\nexport const VERSION = "${packageJson.version}";\n`,
);
