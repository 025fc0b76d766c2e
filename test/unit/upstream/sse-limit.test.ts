import { describe, expect, it } from "vitest";
import { SluiceError } from "../../../src/errors/sluice-error.js";
import { readSse } from "../../../src/upstream/sse.js";

async function* bytes(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function drain(source: AsyncIterable<Uint8Array>, maxEventChars: number): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readSse(source, { source: "p", maxEventChars })) for (const e of batch) out.push(e.data);
  return out;
}

describe("server-sent event size limit", () => {
  it("a line that never ends is refused before the first event, not buffered forever", async () => {
    const err = await drain(bytes("data: " + "x".repeat(600), "x".repeat(600)), 1000).catch((e) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe("upstream_unavailable");
    expect((err as SluiceError).message).toBe("p: a server-sent event exceeded 1000 characters");
  });

  it("after events were delivered, an oversize event interrupts the stream", async () => {
    const source = bytes("data: ok\n\n", "data: " + "y".repeat(700), "y".repeat(700));
    const seen: string[] = [];
    const err = await (async () => {
      for await (const batch of readSse(source, { source: "p", maxEventChars: 1000 })) for (const e of batch) seen.push(e.data);
    })().catch((e) => e);
    expect(seen).toEqual(["ok"]);
    expect((err as SluiceError).code).toBe("stream_interrupted");
  });

  it("events under the limit pass, however many", async () => {
    const events = Array.from({ length: 50 }, (_, i) => `data: ${"z".repeat(500)}${i}\n\n`);
    expect(await drain(bytes(...events), 1000)).toHaveLength(50);
  });
});

describe("server-sent events in batches", () => {
  it("yields the events one read completed together, and an event split across reads once it is whole", async () => {
    const batches: string[][] = [];
    for await (const batch of readSse(bytes("data: a\n\ndata: b\n\ndata: c", "\n\n", "data: d\n\n"))) batches.push(batch.map((e) => e.data));
    expect(batches).toEqual([["a", "b"], ["c"], ["d"]]);
  });
});
