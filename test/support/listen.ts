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
