// Builds dist/: JavaScript and declarations for Node (and any runtime importing the
// npm package). Relative ".ts" imports are rewritten to ".js" by tsc.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, "-p", `${root}/tsconfig.build.json`], {
  stdio: "inherit",
});
