import http2 from "node:http2";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { ChatRequestSchema, Role } from "../../src/gen/sluice/v1/gateway_pb.js";
import { hashApiKey } from "../../src/limits/keys.js";
import { startFloodUpstream, type FloodUpstream } from "../support/fake-flood.js";
import { accessLinesOf, grpcFrame, grpcHeaders, startLoggedGateway, until, type LoggedGateway } from "../support/logged-gateway.js";
import { ledgerRecords } from "../support/ledger.js";

/**
 * gRPC over HTTP/2 against hostile or careless clients: a stream the client stops reading and
 * then abandons still settles (ledger, access log, upstream request ended); many concurrent
 * calls share no listener-limited emitter; a refused oversized message ends its stream
 * cleanly, so the connection goes on serving.
 */
const KEY = "sk-sluice-rpc-hardening-key";
let upstream: FloodUpstream;
let logged: LoggedGateway;

beforeAll(async () => {
  upstream = await startFloodUpstream();
  logged = await startLoggedGateway(`
providers:
  - { id: fake, kind: openai, base_url: "${upstream.url}", api_key: sk-upstream }
  - { id: mock, kind: mock }
  - { id: slow, kind: mock, mock: { chunk_delay_ms: 50 } }
models:
  - alias: flood
    targets: [ { provider: fake, model: "flood:50000000" } ]
  - alias: mock-echo
    targets: [ { provider: mock, model: mock-echo } ]
  - alias: mock-slow
    targets: [ { provider: slow, model: mock-echo } ]
tenants:
  - id: acme
    keys: [ { id: acme-ci, hash: "${hashApiKey(KEY)}" } ]
server: { max_body_bytes: 65536 }
`);
});
afterAll(async () => {
  await logged?.gateway.close();
  await upstream?.close();
});

function chatRequest(model: string, text = "hello") {
  return toBinary(ChatRequestSchema, create(ChatRequestSchema, { model, messages: [{ role: Role.USER, content: [{ part: { case: "text", value: text } }] }] }));
}

/** Resolves once the upstream's byte count has not moved for a while: its client stopped reading. */
async function upstreamStalled(): Promise<void> {
  let last = -1;
  let since = Date.now();
  await until(() => {
    if (upstream.bytesWritten !== last) {
      last = upstream.bytesWritten;
      since = Date.now();
    }
    return Date.now() - since > 500;
  }, "the upstream to stall");
}

describe("a ChatStream the client stops reading, then abandons", () => {
  it("settles: one ledger line (cancelled), one access line, the upstream request aborted", async () => {
    const abortedBefore = upstream.abortedByClient;
    const session = http2.connect(logged.gateway.url);
    session.on("error", () => {});
    const stream = session.request(grpcHeaders("ChatStream", KEY), { endStream: false });
    stream.on("error", () => {});
    stream.end(grpcFrame(chatRequest("flood")));
    const [headers] = (await once(stream, "response")) as [http2.IncomingHttpHeaders];
    const requestId = String(headers["x-request-id"]);
    await once(stream, "data"); // one message
    stream.pause(); // then stop reading
    await upstreamStalled();
    session.destroy();

    await until(async () => {
      await logged.gateway.gateway.flushLedger();
      return (await ledgerRecords(logged.dataDir)).some((r) => r.id === requestId);
    }, "the ledger line");
    const records = (await ledgerRecords(logged.dataDir)).filter((r) => r.id === requestId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: "cancelled", tenant: "acme", provider: "fake" });

    await until(() => accessLinesOf(logged.lines, requestId).length > 0, "the access line");
    const access = accessLinesOf(logged.lines, requestId);
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ surface: "grpc", aborted: true, tenant: "acme" });

    await until(() => upstream.abortedByClient > abortedBefore, "the upstream request to be aborted");
    expect(upstream.finished).toBe(0);
  });
});

describe("many concurrent RPCs", () => {
  it("print no MaxListenersExceededWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const calls = Array.from({ length: 24 }, () => {
        const session = http2.connect(logged.gateway.url);
        const stream = session.request(grpcHeaders("ChatStream", KEY), { endStream: false });
        stream.end(grpcFrame(chatRequest("mock-slow", "one two three four five six")));
        return new Promise<{ status: unknown }>((resolve, reject) => {
          stream.on("data", () => {});
          stream.on("trailers", (t) => resolve({ status: t["grpc-status"] }));
          stream.on("error", reject);
        }).finally(() => session.close());
      });
      const results = await Promise.all(calls);
      expect(results.every((r) => r.status === "0")).toBe(true);
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message)).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("oversized gRPC messages", () => {
  it("each gets RESOURCE_EXHAUSTED, the second on the same connection too", async () => {
    // A roomy client session: Node's client counts the bodies it buffered against its own limit.
    const session = http2.connect(logged.gateway.url, { maxSessionMemory: 1000 });
    session.on("error", () => {});
    const big = chatRequest("mock-echo", "y".repeat(5_000_000));
    try {
      for (let i = 0; i < 3; i++) {
        const stream = session.request(grpcHeaders("Chat", KEY), { endStream: false });
        const outcome = await new Promise<{ status: unknown; rstCode: number; closed?: false }>((resolve) => {
          let status: unknown;
          // A stream left half open (the client still sending a body nobody reads) never closes.
          const timer = setTimeout(() => resolve({ status, rstCode: -1, closed: false }), 10_000);
          stream.on("response", (h) => (status ??= h["grpc-status"]));
          stream.on("trailers", (t) => (status = t["grpc-status"]));
          stream.on("data", () => {});
          stream.on("error", () => {});
          stream.on("close", () => {
            clearTimeout(timer);
            resolve({ status, rstCode: stream.rstCode ?? 0 });
          });
          stream.end(grpcFrame(big));
        });
        expect({ call: i, ...outcome }).toEqual({ call: i, status: "8", rstCode: 0 });
      }
      // The connection still serves an ordinary call.
      const stream = session.request(grpcHeaders("Chat", KEY), { endStream: false });
      const status = await new Promise((resolve) => {
        stream.on("trailers", (t) => resolve(t["grpc-status"]));
        stream.on("data", () => {});
        stream.end(grpcFrame(chatRequest("mock-echo")));
      });
      expect(status).toBe("0");
    } finally {
      session.close();
    }
  });
});
