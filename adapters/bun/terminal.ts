/** Bun implements Node's process and readline modules, so it shares Node's implementation. */
export { terminal } from "../node/terminal.ts";
