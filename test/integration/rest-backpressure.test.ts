import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFloodUpstream, type FloodUpstream } from "../support/fake-flood.js";
import { until } from "../support/logged-gateway.js";

/**
 * A REST stream whose client does not read: the gateway stops pulling the upstream's answer
 * once the client's connection is full, so the provider is held back instead of the whole
 * answer piling up in the gateway's memory.
 */
const KEY = "sk-sluice-backpressure-key";
const STREAM_BYTES = 64 * 1024 * 1024;
let upstream: FloodUpstream;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = await startFloodUpstream();
  gateway = await startTestGateway(`
providers:
  - { id: fake, kind: openai, base_url: "${upstream.url}", api_key: sk-upstream }
models:
  - alias: flood
    targets: [ { provider: fake, model: "flood:${STREAM_BYTES}" } ]
tenants:
  - id: acme
    keys: [ { id: acme-ci, hash: "${hashApiKey(KEY)}" } ]
`);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe("a REST stream the client never reads", () => {
  it("holds the upstream back: it writes a bounded part of the answer, and the rest once the client reads", async () => {
    const body = JSON.stringify({ model: "flood", stream: true, messages: [{ role: "user", content: "everything" }] });
    const socket = net.connect(gateway.port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    let received = 0;
    socket.once("data", (d: Buffer) => {
      received += d.length;
      socket.pause(); // the first bytes (status line), then nothing more is read
    });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${KEY}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await until(() => received > 0, "the response to start");

    // Wait until the upstream's byte count stops moving (or it has sent everything).
    let last = -1;
    let since = Date.now();
    await until(() => {
      if (upstream.bytesWritten !== last) {
        last = upstream.bytesWritten;
        since = Date.now();
      }
      return upstream.finished > 0 || Date.now() - since > 1000;
    }, "the upstream to stall or finish", 60_000);
    expect(upstream.finished).toBe(0);
    // Socket buffers on both hops hold some megabytes; without backpressure it is all of it.
    expect(upstream.bytesWritten).toBeLessThan(STREAM_BYTES / 2);

    // Reading again lets the answer through to its end.
    socket.on("data", (d: Buffer) => (received += d.length));
    socket.resume();
    await until(() => upstream.finished === 1, "the upstream to finish", 60_000);
    socket.destroy();
  }, 150_000);
});
