import http from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

/**
 * The floor: the least a Node gateway on this stack can do per request. A `node:http` server
 * that reads the body, `JSON.parse`s it, swaps the model name, forwards it with undici's
 * `Pool.request` and copies the answer back. No auth, limits, metrics or logs. Sluice's figures
 * are read against this one as well as against the direct upstream: what the floor costs, Node
 * costs; what Sluice costs above it is Sluice's own.
 * Prints `ready <port>`. Run: node dist/bench/proxy/floor-proxy.js <upstream-origin> [port]
 */
const upstream = new Pool(process.argv[2]!, { connections: 128, pipelining: 1 });

const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", async () => {
    try {
      const body = JSON.parse(Buffer.concat(parts).toString("utf8")) as { model: string };
      body.model = "bench-1";
      const answer = await upstream.request({
        path: req.url!,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      res.writeHead(answer.statusCode, { "content-type": String(answer.headers["content-type"] ?? "application/json") });
      for await (const chunk of answer.body) res.write(chunk);
      res.end();
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
});
server.on("connection", (s) => s.setNoDelay(true));
server.listen(Number(process.argv[3] ?? 0), "127.0.0.1", () => {
  console.log(`ready ${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => process.exit(0));
