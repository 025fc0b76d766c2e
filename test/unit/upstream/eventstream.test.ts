import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EventStreamFormatError, readEventStream, type EventStreamMessage } from "../../../src/upstream/eventstream.js";

/**
 * The frame reader against the official AWS event-stream codec vectors
 * (test/fixtures/bedrock/eventstream_test_vectors, from smithy-typescript), delivered whole,
 * split at every possible read boundary, and byte by byte.
 */
const vectors = fileURLToPath(new URL("../../fixtures/bedrock/eventstream_test_vectors/", import.meta.url));
const fixtures = fileURLToPath(new URL("../../fixtures/bedrock/", import.meta.url));
const positive = readdirSync(`${vectors}encoded/positive`).sort();
const negative = readdirSync(`${vectors}encoded/negative`).sort();

const encoded = (kind: string, name: string) => new Uint8Array(readFileSync(`${vectors}encoded/${kind}/${name}`));

async function* reads(...chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

async function decodeAll(body: AsyncIterable<Uint8Array>): Promise<EventStreamMessage[]> {
  const out: EventStreamMessage[] = [];
  for await (const m of readEventStream(body)) out.push(m);
  return out;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** The codec's typed header values in the vectors' JSON form (type tag numbers, base64 for bytes). */
function asVectorHeaders(message: EventStreamMessage): Array<{ name: string; type: number; value: unknown }> {
  return Object.entries(message.headers).map(([name, h]) => {
    switch (h.type) {
      case "boolean":
        return { name, type: h.value ? 0 : 1, value: h.value };
      case "byte":
        return { name, type: 2, value: h.value };
      case "short":
        return { name, type: 3, value: h.value };
      case "integer":
        return { name, type: 4, value: h.value };
      case "long":
        return { name, type: 5, value: h.value.valueOf() };
      case "binary":
        return { name, type: 6, value: b64(h.value) };
      case "string":
        return { name, type: 7, value: Buffer.from(h.value, "utf8").toString("base64") };
      case "timestamp":
        return { name, type: 8, value: h.value.getTime() };
      case "uuid":
        return { name, type: 9, value: Buffer.from(h.value.replace(/-/g, ""), "hex").toString("base64") };
    }
  });
}

describe("event-stream frame reader: official positive vectors", () => {
  it("has the five positive and four negative vectors", () => {
    expect(positive).toEqual(["all_headers", "empty_message", "int32_header", "payload_no_headers", "payload_one_str_header"]);
    expect(negative).toEqual(["corrupted_header_len", "corrupted_headers", "corrupted_length", "corrupted_payload"]);
  });

  for (const name of positive) {
    it(`decodes ${name} to the expected headers and payload`, async () => {
      const expected = JSON.parse(readFileSync(`${vectors}decoded/positive/${name}`, "utf8"));
      const bytes = encoded("positive", name);
      expect(bytes.byteLength).toBe(expected.total_length);
      const [message, ...rest] = await decodeAll(reads(bytes));
      expect(rest).toEqual([]);
      expect(b64(message!.body)).toBe(expected.payload);
      expect(asVectorHeaders(message!)).toEqual(expected.headers);
    });

    it(`decodes ${name} split at every read boundary and byte by byte`, async () => {
      const bytes = encoded("positive", name);
      const whole = await decodeAll(reads(bytes));
      for (let at = 0; at <= bytes.byteLength; at++) {
        const split = await decodeAll(reads(bytes.subarray(0, at), bytes.subarray(at)));
        expect(split).toEqual(whole);
      }
      const single = [...bytes].map((b) => Uint8Array.of(b));
      expect(await decodeAll(reads(...single))).toEqual(whole);
    });
  }

  it("decodes every positive vector back to back in one stream, cut at every boundary of a 3-way split", async () => {
    const all = Buffer.concat(positive.map((n) => encoded("positive", n)));
    const whole = await decodeAll(reads(all));
    expect(whole.length).toBe(positive.length);
    for (let a = 0; a < all.length; a += 7) {
      for (let b = a; b <= all.length; b += 13) {
        const got = await decodeAll(reads(all.subarray(0, a), all.subarray(a, b), all.subarray(b)));
        expect(got).toEqual(whole);
      }
    }
  });
});

describe("event-stream frame reader: official negative vectors", () => {
  for (const name of negative) {
    it(`rejects ${name} with the vector's error`, async () => {
      const reason = readFileSync(`${vectors}decoded/negative/${name}`, "utf8").trim(); // e.g. "Prelude checksum mismatch"
      const err = await decodeAll(reads(encoded("negative", name))).catch((e) => e);
      expect(err).toBeInstanceOf(EventStreamFormatError);
      expect((err as Error).message.toLowerCase()).toContain(reason.toLowerCase().replace(" checksum mismatch", ""));
      expect((err as Error).message).toMatch(/checksum/);
    });
  }

  it("fails on a corrupted length at once, without waiting for the bytes the length promises", async () => {
    // corrupted_length claims 62 bytes and sends 61: the reader must not wait for the 62nd.
    const bytes = encoded("negative", "corrupted_length");
    let pulled = 0;
    async function* neverEnding(): AsyncGenerator<Uint8Array> {
      pulled++;
      yield bytes;
      await new Promise(() => {}); // a stream that stays open
    }
    const err = await decodeAll(neverEnding()).catch((e) => e);
    expect(err).toBeInstanceOf(EventStreamFormatError);
    expect(pulled).toBe(1);
  });

  it("rejects a stream that ends inside a frame", async () => {
    const bytes = encoded("positive", "payload_one_str_header");
    const err = await decodeAll(reads(bytes.subarray(0, 20))).catch((e) => e);
    expect(err).toBeInstanceOf(EventStreamFormatError);
    expect((err as Error).message).toMatch(/ended inside a frame/);
  });

  it("rejects a flipped payload bit in a recorded Bedrock stream (message CRC)", async () => {
    const bytes = new Uint8Array(readFileSync(`${fixtures}converse_stream/amazon-bedrock-text.eventstream`));
    const first = await decodeAll(reads(bytes));
    expect(first.length).toBe(16);
    bytes[200] = bytes[200]! ^ 0x01;
    const err = await decodeAll(reads(bytes)).catch((e) => e);
    expect(err).toBeInstanceOf(EventStreamFormatError);
    expect((err as Error).message).toMatch(/checksum/);
  });
});

describe("event-stream frame reader: AWS SDK snapshot frames", () => {
  it("decodes the frames with the lengths the aws-sdk-js-v3 snapshot printed", async () => {
    const snapshot = JSON.parse(readFileSync(`${fixtures}aws_sdk_snapshot_frames.json`, "utf8"));
    const bytes = new Uint8Array(readFileSync(`${fixtures}aws_sdk_snapshot_frames.eventstream`));
    const messages = await decodeAll(reads(bytes));
    expect(messages.map((m) => m.headers[":event-type"]?.value)).toEqual(snapshot.frames.map((f: any) => f.event_type));
    messages.forEach((m, i) => expect(JSON.parse(Buffer.from(m.body).toString("utf8"))).toEqual(snapshot.frames[i].payload));
    const sizes = snapshot.frames.map((f: any) => f.total_size);
    expect(sizes.reduce((a: number, b: number) => a + b, 0)).toBe(bytes.byteLength);
  });
});
