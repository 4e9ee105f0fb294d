/**
 * SIGINT and SIGTERM handling for an app that runs autocron. The first signal stops
 * autocron gracefully, as `stop()` does. Then the signal is handed back: when the app
 * had no listener of its own for it, it is raised again so that its default action
 * ends the process, and otherwise the app's listeners decide. A second signal during
 * the graceful stop forces the exit.
 */

import type { ShutdownSignal, Signals } from "./adapter.ts";
import type { Logger } from "./logger.ts";

const SIGNAL_NUMBERS: Record<ShutdownSignal, number> = { SIGINT: 2, SIGTERM: 15 };

export interface ShutdownHandlers {
  /** Removes the listeners; safe to call more than once. */
  remove(): void;
}

export interface ShutdownActions {
  /** Stops gracefully; resolves once autocron is stopped. */
  stopGracefully(): Promise<void>;
  /** Kills the workers at once, handing their tasks back to the queue. */
  stopNow(): Promise<void>;
  shutdownTimeoutMs: number;
}

/** Installs the listeners for SIGINT and SIGTERM. */
export function installShutdownHandlers(signals: Signals, logger: Logger, actions: ShutdownActions): ShutdownHandlers {
  const listeners = new Map<ShutdownSignal, () => void>();
  let received: ShutdownSignal | undefined;

  const remove = () => {
    for (const [signal, listener] of listeners) signals.remove(signal, listener);
    listeners.clear();
  };

  const onSignal = (signal: ShutdownSignal) => {
    if (received) {
      logger.warn(`received ${signal} again: killing the workers and exiting now; their tasks run again later`);
      actions.stopNow().finally(() => signals.exit(128 + SIGNAL_NUMBERS[signal]));
      return;
    }
    received = signal;
    // autocron's listener runs first, so the app's listeners (even `once` ones) are
    // still registered and counted here.
    const appListens = signals.listenerCount(signal) > 1;
    logger.warn(
      `received ${signal}: stopping autocron; running tasks have ${actions.shutdownTimeoutMs} ms to finish, ` +
        `and a second ${signal} exits at once`,
    );
    actions.stopGracefully().finally(() => {
      remove();
      // The app's own listeners received this signal along with autocron's; without
      // any, the default action (ending the process) is what the sender asked for.
      if (!appListens) signals.raise(signal);
    });
  };

  for (const signal of Object.keys(SIGNAL_NUMBERS) as ShutdownSignal[]) {
    const listener = () => onSignal(signal);
    listeners.set(signal, listener);
    signals.add(signal, listener);
  }
  return { remove };
}
