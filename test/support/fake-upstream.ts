/** What every fake provider upstream in test/support shares: the loopback listener, JSON answers and SSE replay. */
import type http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * Starts a fake upstream's server on an ephemeral loopback port. `close` destroys open
 * connections first (keep-alive sockets would hold `server.close` open) and resolves once
 * the server is closed. Nagle is off, so a stream's small writes are not delayed.
 */
export async function listenLoopback(server: http.Server): Promise<{ origin: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(body);
}

/**
 * Replays server-sent events one write per event, yielding between them so the client sees
 * them arrive separately, and stops when the client has gone. `sse` is a recorded stream (split
 * at its blank lines) or its events.
 */
export async function replaySse(res: http.ServerResponse, sse: string | string[]): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const event of typeof sse === "string" ? sse.split(/(?<=\n\n)/) : sse) {
    if (res.destroyed) return;
    res.write(event);
    await new Promise((r) => setImmediate(r));
  }
  res.end();
}
