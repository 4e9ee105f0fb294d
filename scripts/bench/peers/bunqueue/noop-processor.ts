/**
 * No-op job processor for bunqueue's SandboxedWorker, which imports this file's default
 * export in each of its Worker threads (used by ../bunqueue.ts for thread drains).
 */
export default async function processNoopJob(): Promise<void> {}
