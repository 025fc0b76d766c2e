import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ProviderConfigSchema } from "../../../src/gen/sluice/v1/config_pb.js";
import { SluiceError } from "../../../src/errors/sluice-error.js";
import { UpstreamPool } from "../../../src/upstream/pool.js";

/**
 * `UpstreamPool.requestWhole` (src/upstream/whole-answer.ts) against a real node:http server:
 * the answer assembled from several chunks, any status returned as it is, and the three ways
 * an answer ends early (the caller cancels, the total timeout, a cancel while the request
 * waits for a connection), each of which must also end the request upstream.
 */
let server: http.Server;
let origin: string;
/** How many requests the server has seen closed before it answered them. */
let closedEarly = 0;
/** How many requests for /v1/chunks the server has seen. */
let chunkRequests = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("close", () => {
      if (!res.writableEnded) closedEarly++;
    });
    if (req.url === "/v1/chunks") {
      chunkRequests++;
      res.writeHead(200, { "content-type": "application/json", "x-twice": ["a", "b"] });
      res.write('{"parts":');
      setTimeout(() => res.write('["one",'), 5);
      setTimeout(() => res.end('"two"]}'), 10);
    } else if (req.url === "/v1/teapot") {
      res.writeHead(503, { "retry-after": "7" }).end('{"error":{"message":"busy"}}');
    }
    // /v1/hang: never answers.
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function pool(init: { totalMs?: number; maxConnections?: number } = {}): UpstreamPool {
  const config = create(ProviderConfigSchema, {
    id: "up",
    kind: "openai",
    baseUrl: `${origin}/v1`,
    maxConnections: init.maxConnections ?? 0,
    timeouts: { totalMs: init.totalMs ?? 0 },
  } as never);
  return new UpstreamPool("up", `${origin}/v1`, config);
}

const post = (signal: AbortSignal) => ({ method: "POST" as const, headers: { "content-type": "application/json" }, body: "{}", callerSignal: signal });

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("UpstreamPool.requestWhole", () => {
  it("assembles an answer sent in several chunks, with repeated headers as arrays", async () => {
    const p = pool();
    const res = await p.requestWhole("/chunks", post(new AbortController().signal));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body.toString("utf8"))).toEqual({ parts: ["one", "two"] });
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["x-twice"]).toEqual(["a", "b"]);
    await p.close();
  });

  it("returns an error status with its body and headers, for the adapter's error mapper", async () => {
    const p = pool();
    const res = await p.requestWhole("/teapot", post(new AbortController().signal));
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("7");
    expect(res.body.toString("utf8")).toContain("busy");
    await p.close();
  });

  it("the caller's cancel ends the request upstream and reads as `cancelled`", async () => {
    const p = pool();
    const before = closedEarly;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await p.requestWhole("/hang", post(controller.signal)).catch((e) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe("cancelled");
    await waitFor(() => closedEarly > before);
    expect(closedEarly).toBe(before + 1);
    await p.close();
  });

  it("a signal aborted before the call is `cancelled` at once", async () => {
    const p = pool();
    const err = await p.requestWhole("/chunks", post(AbortSignal.abort())).catch((e) => e);
    expect((err as SluiceError).code).toBe("cancelled");
    await p.close();
  });

  it("the total timeout ends the request upstream and reads as `upstream_timeout`", async () => {
    const p = pool({ totalMs: 80 });
    const before = closedEarly;
    const started = Date.now();
    const err = await p.requestWhole("/hang", post(new AbortController().signal)).catch((e) => e);
    expect((err as SluiceError).code).toBe("upstream_timeout");
    expect((err as SluiceError).message).toBe("up: request exceeded 80 ms");
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    await waitFor(() => closedEarly > before);
    expect(closedEarly).toBe(before + 1);
    await p.close();
  });

  it("a request cancelled while it waits for a connection never reaches the upstream", async () => {
    const p = pool({ maxConnections: 1 });
    const seen = chunkRequests;
    const holder = new AbortController();
    const first = p.requestWhole("/hang", post(holder.signal)).catch((e) => e);
    const waiting = new AbortController();
    const second = p.requestWhole("/chunks", post(waiting.signal)).catch((e) => e);
    await new Promise((r) => setTimeout(r, 30));
    waiting.abort();
    holder.abort();
    expect(((await second) as SluiceError).code).toBe("cancelled");
    expect(((await first) as SluiceError).code).toBe("cancelled");
    const after = await p.requestWhole("/chunks", post(new AbortController().signal));
    expect(after.statusCode).toBe(200);
    expect(chunkRequests).toBe(seen + 1); // only the last one
    await p.close();
  });
});
