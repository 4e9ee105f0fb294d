/**
 * A small web app that hands slow work to autocron.
 *
 *   POST /confirmations  {"to": "a@example.org", "body": "welcome"}  -> 202 {"id": ...}
 *   GET  /confirmations/<id>                                          -> {"status": ..., "result": ...}
 *
 * Run it with `npm start` (Node), `npx bun examples/demo/app.ts` or
 * `npx deno run -A examples/demo/app.ts`. Settings: PORT (default 8000) and
 * AUTOCRON_DEMO_DB (default "demo.db", which autocron keeps in ~/.autocron/).
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import process from "node:process";
import { getResult, start, stop } from "../../mod.ts";
import { heartbeat, OUTBOX, sendConfirmation } from "./tasks.ts";

const port = Number(process.env.PORT ?? 8000);
const database = process.env.AUTOCRON_DEMO_DB ?? "demo.db";

const supervising = await start(database, { tasks: [new URL("./tasks.ts", import.meta.url)], workers: 2 });

const server = createServer((request, response) => {
  route(request, response).catch((error) => reply(response, 500, { error: (error as Error).message }));
});

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", "http://localhost");

  if (request.method === "POST" && url.pathname === "/confirmations") {
    const message = parseJson(await readBody(request)) as { to?: unknown; body?: unknown } | undefined;
    if (typeof message?.to !== "string" || typeof message.body !== "string") {
      return reply(response, 400, { error: 'send JSON such as {"to": "a@example.org", "body": "welcome"}' });
    }
    const { to, body } = message as { to: string; body: string };
    // Returns at once; a worker process writes the confirmation.
    const result = sendConfirmation(to, body);
    await result.enqueued;
    return reply(response, 202, { id: result.id, status: `/confirmations/${result.id}` });
  }

  const match = /^\/confirmations\/([\w-]+)$/.exec(url.pathname);
  if (request.method === "GET" && match) {
    const result = getResult(match[1]!);
    const status = await result.status();
    if (status === "ready") return reply(response, 200, { id: result.id, status, result: await result.wait() });
    if (status === "error") {
      const error = await result.wait().catch((cause: Error) => cause.message);
      return reply(response, 200, { id: result.id, status, error });
    }
    return reply(response, status === "unavailable" ? 404 : 200, { id: result.id, status });
  }

  reply(response, 404, { error: "try POST /confirmations or GET /confirmations/<id>" });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (text += chunk));
    request.on("end", () => resolve(text));
    request.on("error", reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body, null, 2) + "\n");
}

server.listen(port, () => {
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  console.log(`autocron demo listening on http://localhost:${actualPort}`);
  console.log(`  database: ${database}; this process ${supervising ? "supervises the workers" : "only enqueues"}`);
  console.log(`  outbox: ${OUTBOX}`);
  console.log(`  cron ${heartbeat.name} (${heartbeat.expression}) next runs at ${heartbeat.nextRuns(1)[0]!.toISOString()}`);
  console.log(`  try: curl -s -X POST localhost:${actualPort}/confirmations -d '{"to":"a@example.org","body":"welcome"}'`);
});

// Stop gracefully: running tasks finish, workers exit, then the process ends.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log(`${signal}: stopping`);
    server.close();
    stop().then(() => process.exit(0));
  });
}
