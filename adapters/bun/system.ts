/** Bun implements Node's fs, os, path and url modules natively, so it shares Node's implementation. */
export { system } from "../node/system.ts";
