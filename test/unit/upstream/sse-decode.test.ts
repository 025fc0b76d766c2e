import { describe, expect, it } from "vitest";
import { readSse } from "../../../src/upstream/sse.js";

/** The stream's bytes, cut into reads at the given byte offsets (undici hands Buffers). */
async function* reads(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield Buffer.from(bytes.subarray(at, cut));
    at = cut;
  }
}

async function events(source: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readSse(source)) for (const e of batch) out.push(e.data);
  return out;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("server-sent events: decoding the bytes", () => {
  it("a character split across reads at every offset comes out whole", async () => {
    const text = 'data: {"content":"naïve 東京 🙂"}\n\ndata: [DONE]\n\n';
    const bytes = utf8(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await events(reads(bytes, [cut]))).toEqual(['{"content":"naïve 東京 🙂"}', "[DONE]"]);
    }
  });

  it("a byte-order mark opening the stream is dropped, whole or split over the first reads", async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("data: first\n\ndata: second\n\n")]);
    for (const cuts of [[], [1], [2], [3], [1, 2], [4]]) {
      expect(await events(reads(bytes, cuts)), `cuts ${cuts}`).toEqual(["first", "second"]);
    }
  });

  it("a byte-order mark after the start is data, and invalid bytes become U+FFFD", async () => {
    const bytes = new Uint8Array([...utf8("data: a\uFEFFb\n\ndata: x"), 0xff, 0xc3, ...utf8("y\n\n")]);
    expect(await events(reads(bytes, [5]))).toEqual(["a\uFEFFb", "x\uFFFD\uFFFDy"]);
  });
});
