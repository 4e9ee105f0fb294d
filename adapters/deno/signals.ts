/**
 * Deno implements Node's process signal events, so it shares Node's implementation.
 *
 * NOTE: process.listenerCount() does not count listeners the app added with
 * Deno.addSignalListener, so after a graceful stop autocron re-raises the signal
 * (ending the process) even when the app has such a listener of its own.
 */
export { signals } from "../node/signals.ts";
