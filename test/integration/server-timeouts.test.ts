import net from "node:net";
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { ChatRequestSchema, Role } from "../../src/gen/sluice/v1/gateway_pb.js";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { grpcFrame, grpcHeaders } from "../support/logged-gateway.js";

/**
 * `server.timeouts` and `server.max_connections_per_client` against raw sockets: what a client
 * does not send in time closes its connection (or stream); a long streamed answer is not cut.
 */
const KEY = "sk-sluice-timeouts-key";
let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startTestGateway(`
server:
  timeouts: { headers_ms: 500, request_ms: 1000, idle_ms: 1000 }
providers:
  - { id: slow, kind: mock, mock: { chunk_delay_ms: 150 } }
models:
  - alias: slow-echo
    targets: [ { provider: slow, model: mock-echo } ]
tenants:
  - id: acme
    keys: [ { id: acme-ci, hash: "${hashApiKey(KEY)}" } ]
`);
});
afterAll(() => gateway?.close());

/** A raw TCP connection; `closed` resolves with what the server sent before it closed (or null after `limitMs`). */
async function rawConnection(limitMs = 15_000, port = gateway.port): Promise<{ socket: net.Socket; closed: Promise<string | null> }> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise((r) => socket.once("connect", r));
  let text = "";
  socket.on("data", (d) => (text += d));
  socket.on("error", () => {});
  const closed = new Promise<string | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), limitMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
  return { socket, closed };
}

const words = "one two three four five six seven eight nine ten eleven twelve";

describe("HTTP/1.1", () => {
  it("closes a connection that sends nothing", async () => {
    const { socket, closed } = await rawConnection();
    expect(await closed).toBe("");
    socket.destroy();
  });

  it("closes a connection whose request headers stop half way (408)", async () => {
    const { socket, closed } = await rawConnection();
    socket.write("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: appl");
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
    socket.destroy();
  });

  it("closes a connection whose body stalls after content-length: 1000 (408)", async () => {
    const { socket, closed } = await rawConnection();
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${KEY}\r\ncontent-length: 1000\r\n\r\n{"model":`);
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
    socket.destroy();
  });

  it("closes a keep-alive connection left idle after a request", async () => {
    const { socket, closed } = await rawConnection();
    socket.write("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n");
    expect(await closed).toMatch(/^HTTP\/1\.1 200/);
    socket.destroy();
  });

  it("does not cut a streamed answer that lasts longer than request_ms", async () => {
    const started = Date.now();
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: "slow-echo", stream: true, messages: [{ role: "user", content: words }] }),
    });
    const text = await res.text();
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect(text).toContain("data: [DONE]");
    expect(text).toContain("twelve");
  });
});

describe("HTTP/2", () => {
  it("closes a session with no open stream", async () => {
    const session = http2.connect(gateway.url);
    session.on("error", () => {});
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      session.once("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
  });

  it("answers a REST request whose body stalls with 408", async () => {
    const session = http2.connect(gateway.url);
    session.on("error", () => {});
    try {
      const stream = session.request({ ":method": "POST", ":path": "/v1/chat/completions", "content-type": "application/json", authorization: `Bearer ${KEY}`, "content-length": "1000" }, { endStream: false });
      stream.write('{"model":');
      const status = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve("no answer"), 15_000);
        stream.on("response", (h) => {
          clearTimeout(timer);
          resolve(h[":status"]);
        });
        stream.on("error", () => {});
      });
      expect(status).toBe(408);
    } finally {
      session.destroy();
    }
  });

  it("resets a gRPC call whose message stalls", async () => {
    const session = http2.connect(gateway.url);
    session.on("error", () => {});
    try {
      const stream = session.request(grpcHeaders("Chat", KEY), { endStream: false });
      stream.on("error", () => {});
      stream.on("data", () => {});
      const frame = grpcFrame(toBinary(ChatRequestSchema, create(ChatRequestSchema, { model: "slow-echo" })));
      stream.write(frame.subarray(0, 3));
      const rstCode = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve("still open"), 15_000);
        stream.on("close", () => {
          clearTimeout(timer);
          resolve(stream.rstCode);
        });
      });
      expect(rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
    } finally {
      session.destroy();
    }
  });

  it("does not cut a ChatStream that lasts longer than request_ms and idle_ms", async () => {
    const session = http2.connect(gateway.url);
    try {
      const stream = session.request(grpcHeaders("ChatStream", KEY), { endStream: false });
      const request = create(ChatRequestSchema, { model: "slow-echo", messages: [{ role: Role.USER, content: [{ part: { case: "text", value: words } }] }] });
      stream.end(grpcFrame(toBinary(ChatRequestSchema, request)));
      const started = Date.now();
      const status = await new Promise((resolve, reject) => {
        stream.on("data", () => {});
        stream.on("trailers", (t) => resolve(t["grpc-status"]));
        stream.on("error", reject);
      });
      expect(Date.now() - started).toBeGreaterThan(1000);
      expect(status).toBe("0");
    } finally {
      session.close();
    }
  });
});

describe("max_connections_per_client", () => {
  // Default timeouts here: the connections held open are not closed by them during the test.
  let capped: RunningGateway;
  beforeAll(async () => {
    capped = await startTestGateway(`server: { max_connections_per_client: 6 }`);
  });
  afterAll(() => capped?.close());

  it("closes connections past the cap from one address at once", async () => {
    const open = await Promise.all(Array.from({ length: 6 }, () => rawConnection(15_000, capped.port)));
    const extra = await rawConnection(5_000, capped.port);
    expect(await extra.closed).toBe("");
    // Under the cap again once one has closed (the server sees the close a moment after the client).
    open[0]!.socket.destroy();
    await open[0]!.closed;
    let answered = false;
    for (let attempt = 0; attempt < 100 && !answered; attempt++) {
      const again = await rawConnection(15_000, capped.port);
      again.socket.write("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n");
      answered = await Promise.race([new Promise<boolean>((r) => again.socket.once("data", () => r(true))), again.closed.then(() => false)]);
      again.socket.destroy();
      if (!answered) await new Promise((r) => setTimeout(r, 50));
    }
    expect(answered).toBe(true);
    for (const c of [...open, extra]) c.socket.destroy();
  });
});
