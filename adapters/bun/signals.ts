/** Bun implements Node's process signal events, so it shares Node's implementation. */
export { signals } from "../node/signals.ts";
