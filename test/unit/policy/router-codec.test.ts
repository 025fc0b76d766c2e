// The hand-written router codec (src/policy/router/codec.ts) against the generated protobuf-es
// schema, both ways, on seeded random messages: RouterRouteInput as written here must be what
// protobuf-es decodes (and byte for byte what the former protobuf-es encoder wrote), and
// RouterRouteOutput as protobuf-es writes it, with unknown fields of every wire type mixed in,
// must read the same here as with protobuf-es's fromBinary.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { RouterRouteInputSchema, RouterRouteOutputSchema } from "../../../src/gen/sluice/policy/v1/policy_pb.js";
import { PolicyCallError } from "../../../src/policy/host/errors.js";
import {
  decodeRouterOutput, encodeRouterInput, readRouterOutput, ROUTER_MAX_CANDIDATES, type RouterCandidateInfo, type RouterInput,
} from "../../../src/policy/router/codec.js";
import { ownBuffer, WireError } from "../../../src/policy/host/wire.js";
import { seededRandom as seeded } from "../../support/seeded-random.js";

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

// Pieces of text: ASCII, Latin-1 and BMP letters, combining marks, CJK, astral emoji (surrogate
// pairs), a lone surrogate (TextEncoder and protobuf-es both write U+FFFD), separators.
const PIECES = ["a", "openai", "/", "gpt-4o-mini", "#2", "=", " ", "é", "ü", "ß", "e\u0301", "中文", "日本", "😀", "👩‍💻", "\u{1F680}", "\ud800", "\u0000", "\u07ff", "\u0800", "\uffff"];

function randomString(rng: Rng): string {
  const shape = rng();
  if (shape < 0.15) return "";
  if (shape < 0.25) return "x".repeat(60 + int(rng, 200)); // past the short-string loops
  let s = "";
  const n = 1 + int(rng, shape < 0.9 ? 8 : 60);
  for (let i = 0; i < n; i++) s += pick(rng, PIECES);
  return s;
}

function randomDouble(rng: Rng): number {
  return pick(rng, [
    () => 0, () => -0, () => int(rng, 100), () => rng() * 20, () => -rng() * 5, () => 1e-310, () => 1e300,
    () => Number.MAX_VALUE, () => Number.MIN_VALUE, () => Infinity, () => 0.1, () => 2 ** 53,
  ])();
}

// float fields: values that round or underflow (1e-50 -> 0) in float32, and Infinity. (protobuf-es
// refuses finite values beyond float32's range; that case has its own test below.)
const randomFloat = (rng: Rng): number => pick(rng, [() => 0, () => rng() * 3000, () => rng(), () => 1e-50, () => 3.4e38, () => Infinity, () => 0.1, () => -1])();

function randomU32(rng: Rng): number {
  return pick(rng, [() => 0, () => 1, () => int(rng, 300), () => int(rng, 1e6), () => 0xffff_ffff, () => 2 ** 33, () => 2.7, () => -4])();
}

function randomCandidate(rng: Rng, i: number): RouterCandidateInfo {
  return {
    targetId: rng() < 0.1 ? `${randomString(rng)}${"m".repeat(200)}/${i}` : `${randomString(rng)}/${i}`, // some bodies > 127 bytes
    healthy: rng() < 0.7,
    latencyEwmaMs: randomFloat(rng),
    errorRate: randomFloat(rng),
    priceInputPerMtok: randomDouble(rng),
    priceOutputPerMtok: randomDouble(rng),
    remainingCapacity: pick(rng, [0, 0, 17, 2 ** 31, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER, 12.9]),
    weight: randomU32(rng),
    inflight: randomU32(rng),
  };
}

function randomInput(rng: Rng, candidates = int(rng, 9)): RouterInput {
  return {
    alias: randomString(rng),
    tenant: randomString(rng),
    tags: Array.from({ length: int(rng, 5) }, () => randomString(rng)),
    inputTokenEstimate: randomU32(rng),
    features: rng() < 0.2 ? { lengthChars: 0, hasCode: false, turns: 0 } : { lengthChars: randomU32(rng), hasCode: rng() < 0.5, turns: randomU32(rng) },
    candidates: Array.from({ length: candidates }, (_, i) => randomCandidate(rng, i)),
  };
}

// The protobuf-es encoder this codec replaced: the reference mapping of the input to the message.
const u32 = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), 0xffff_ffff) : 0);
function referenceBytes(input: RouterInput, abiVersion = 1): Uint8Array {
  return toBinary(RouterRouteInputSchema, create(RouterRouteInputSchema, {
    abiVersion,
    alias: input.alias,
    tenant: input.tenant,
    tags: [...input.tags],
    inputTokenEstimate: u32(input.inputTokenEstimate),
    features: { lengthChars: u32(input.features.lengthChars), hasCode: input.features.hasCode, turns: u32(input.features.turns) },
    candidates: input.candidates.map((c) => ({
      targetId: c.targetId,
      healthy: c.healthy,
      latencyEwmaMs: c.latencyEwmaMs,
      errorRate: c.errorRate,
      priceInputPerMtok: c.priceInputPerMtok,
      priceOutputPerMtok: c.priceOutputPerMtok,
      remainingCapacity: BigInt(Math.max(0, Math.floor(c.remainingCapacity || 0))),
      weight: u32(c.weight),
      inflight: u32(c.inflight),
    })),
  }));
}

const wellFormed = (s: string): string => new TextDecoder().decode(new TextEncoder().encode(s));

describe("router codec: RouterRouteInput writer", () => {
  const inputs: Array<[string, RouterInput, number]> = [];
  for (let seed = 1; seed <= 300; seed++) inputs.push([`seed ${seed}`, randomInput(seeded(seed)), 1]);
  inputs.push(["64 candidates", randomInput(seeded(1000), ROUTER_MAX_CANDIDATES), 1]);
  inputs.push(["64 candidates, long ids", randomInput(seeded(1001), ROUTER_MAX_CANDIDATES), 1]);
  inputs.push(["every field zero or empty", { alias: "", tenant: "", tags: [], inputTokenEstimate: 0, features: { lengthChars: 0, hasCode: false, turns: 0 }, candidates: [] }, 1]);
  inputs.push(["zero-valued candidates and empty tags", {
    alias: "a", tenant: "", tags: ["", ""], inputTokenEstimate: 0, features: { lengthChars: 0, hasCode: true, turns: 0 },
    candidates: [{ targetId: "", healthy: false, latencyEwmaMs: 0, errorRate: 0, priceInputPerMtok: 0, priceOutputPerMtok: 0, remainingCapacity: 0, weight: 0, inflight: 0 }],
  }, 1]);
  inputs.push(["abi_version 99", randomInput(seeded(7)), 99]);
  inputs.push(["abi_version 0 (unset)", randomInput(seeded(8)), 0]);

  it.each(inputs)("%s: protobuf-es decodes the same message, and the bytes are the former encoder's", (_name, input, abi) => {
    const bytes = encodeRouterInput(input, abi);
    const reference = referenceBytes(input, abi);
    const decoded = fromBinary(RouterRouteInputSchema, bytes);
    expect(decoded).toEqual(fromBinary(RouterRouteInputSchema, reference));
    // spot checks against the input itself (strings as UTF-8 round-trips them)
    expect(decoded.abiVersion).toBe(abi);
    expect(decoded.alias).toBe(wellFormed(input.alias));
    expect(decoded.tags).toEqual(input.tags.map(wellFormed));
    expect(decoded.candidates.map((c) => c.targetId)).toEqual(input.candidates.map((c) => wellFormed(c.targetId)));
    expect(decoded.candidates.map((c) => c.remainingCapacity)).toEqual(input.candidates.map((c) => BigInt(Math.floor(c.remainingCapacity))));
    expect(bytes).toEqual(reference);
  });

  it("writes a finite latency beyond float32's range as Infinity (protobuf-es refuses to encode it)", () => {
    const input = randomInput(seeded(5), 1);
    const over = { ...input, candidates: [{ ...input.candidates[0]!, latencyEwmaMs: 1e40, errorRate: -1e39 }] };
    expect(() => referenceBytes(over)).toThrow(/invalid float32/);
    const decoded = fromBinary(RouterRouteInputSchema, encodeRouterInput(over));
    expect([decoded.candidates[0]!.latencyEwmaMs, decoded.candidates[0]!.errorRate]).toEqual([Infinity, -Infinity]);
  });

  it("hands out bytes no later call overwrites (views of pooled chunks; ownBuffer makes them exact-size)", () => {
    const big = randomInput(seeded(3), ROUTER_MAX_CANDIDATES);
    const small = randomInput(seeded(4), 1);
    const first = encodeRouterInput(big);
    const kept = Array.from({ length: 2000 }, (_, i) => encodeRouterInput(i % 2 ? small : big)); // past a pool chunk
    expect(first).toEqual(referenceBytes(big));
    expect(kept[1998]).toEqual(referenceBytes(big));
    expect(kept[1999]).toEqual(referenceBytes(small));
    const own = ownBuffer(kept[1999]!);
    expect([own.byteOffset, own.byteLength, own.buffer.byteLength]).toEqual([0, kept[1999]!.byteLength, kept[1999]!.byteLength]);
    expect(own).toEqual(referenceBytes(small));
  });
});

/** Unknown fields of every wire type (numbers the message does not use, up to the largest). */
function unknownFields(rng: Rng): Uint8Array {
  const w = new BinaryWriter();
  const n = 1 + int(rng, 4);
  for (let i = 0; i < n; i++) {
    const no = pick(rng, [4, 5, 9, 15, 16, 100, 2047, 536_870_911]);
    switch (int(rng, 6)) {
      case 0: w.tag(no, WireType.Varint).uint64(pick(rng, [0n, 1n, 300n, 2n ** 63n, 2n ** 64n - 1n])); break;
      case 1: w.tag(no, WireType.Varint).int32(-1); break; // a 10-byte varint
      case 2: w.tag(no, WireType.Bit64).fixed64(2n ** 60n + 5n); break;
      case 3: w.tag(no, WireType.Bit32).float(1.5); break;
      case 4: w.tag(no, WireType.LengthDelimited).string(randomString(rng)); break;
      default: w.tag(no, WireType.LengthDelimited).bytes(new Uint8Array([0xff, 0x80, 0x00, 0x12])); break;
    }
  }
  return w.finish();
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function randomOutput(rng: Rng): Uint8Array {
  return toBinary(RouterRouteOutputSchema, create(RouterRouteOutputSchema, {
    abiVersion: pick(rng, [0, 1, 1, 1, 2, 99, 0xffff_ffff]),
    targetIds: Array.from({ length: int(rng, rng() < 0.1 ? 70 : 6) }, () => randomString(rng)),
    reason: rng() < 0.1 ? "r".repeat(1000) : randomString(rng),
  }));
}

describe("router codec: RouterRouteOutput reader", () => {
  it("reads what protobuf-es reads, with unknown fields skipped, for seeded random answers", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rng = seeded(seed);
      // One message, or two concatenated (a merge: lists appended, the last scalar wins), with
      // unknown fields before, between and after.
      const parts: Uint8Array[] = [];
      if (rng() < 0.5) parts.push(unknownFields(rng));
      parts.push(randomOutput(rng));
      if (rng() < 0.5) parts.push(unknownFields(rng));
      if (rng() < 0.3) parts.push(randomOutput(rng));
      if (rng() < 0.5) parts.push(unknownFields(rng));
      const bytes = concat(parts);
      const reference = fromBinary(RouterRouteOutputSchema, bytes);
      const read = readRouterOutput(bytes);
      expect(read, `seed ${seed}`).toEqual({ abiVersion: reference.abiVersion, targetIds: reference.targetIds, reason: reference.reason });
    }
  });

  it("decodes valid answers with unknown fields to the candidate order", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const rng = seeded(seed);
      const ids = Array.from({ length: 1 + int(rng, 64) }, (_, i) => `${randomString(rng)}/${i}`);
      const order = [...ids].sort(() => rng() - 0.5).slice(0, int(rng, ids.length + 1));
      const reason = randomString(rng);
      const bytes = concat([unknownFields(rng), toBinary(RouterRouteOutputSchema, create(RouterRouteOutputSchema, { abiVersion: 1, targetIds: order, reason })), unknownFields(rng)]);
      // ids that are not well-formed UTF-16 come back as U+FFFD: compare what the module could echo
      expect(decodeRouterOutput(bytes, ids.map(wellFormed))).toEqual({ targetIds: order.map(wellFormed), reason: wellFormed(reason) });
    }
  });

  it("rejects malformed bytes as a WireError, which decodeRouterOutput turns into garbage", () => {
    const malformed: Array<[string, number[]]> = [
      ["truncated varint", [0x08, 0x81]],
      ["a 6-byte key", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
      ["length past the end", [0x12, 0x05, 0x41]],
      ["invalid UTF-8 in a target id", [0x08, 0x01, 0x12, 0x01, 0xc3]],
      ["invalid UTF-8 in a long reason", [0x1a, 0x41, ...new Array(64).fill(0x41), 0xff]],
      ["wire type 3 (groups)", [0x0b]],
      ["wire type 6", [0x0e]],
      ["field number 0", [0x00, 0x01]],
      ["truncated fixed64", [0x21, 0x01, 0x02]],
      ["truncated fixed32", [0x25, 0x01]],
    ];
    for (const [name, bytes] of malformed) {
      expect(() => readRouterOutput(new Uint8Array(bytes)), name).toThrow(WireError);
      let err: unknown;
      try {
        decodeRouterOutput(new Uint8Array(bytes), ["a/1"]);
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(PolicyCallError);
      expect((err as PolicyCallError).kind).toBe("garbage");
      expect((err as Error).message, name).toMatch(/^router output: not a RouterRouteOutput/);
    }
  });

  it("keeps the contract checks: ABI version, unknown and repeated ids, reason trimmed", () => {
    const ids = ["a/1", "b/2", "a/1#2"];
    const out = (init: { abiVersion?: number; targetIds?: string[]; reason?: string }) =>
      toBinary(RouterRouteOutputSchema, create(RouterRouteOutputSchema, { abiVersion: 1, ...init }));
    expect(() => decodeRouterOutput(out({ abiVersion: 2 }), ids)).toThrow(/abi_version 2, expected 1/);
    expect(() => decodeRouterOutput(out({ abiVersion: 0 }), ids)).toThrow(/abi_version 0, expected 1/);
    expect(() => decodeRouterOutput(out({ targetIds: ["a/1", "c/3"] }), ids)).toThrow(/unknown target id "c\/3"/);
    expect(() => decodeRouterOutput(out({ targetIds: ["a/1#2", "b/2", "a/1#2"] }), ids)).toThrow(/target id "a\/1#2" listed twice/);
    expect(() => decodeRouterOutput(out({ targetIds: ["a/"] }), ids)).toThrow(/unknown target id/);
    expect(decodeRouterOutput(out({ targetIds: ["a/1#2", "a/1"], reason: "é".repeat(400) }), ids)).toEqual({
      targetIds: ["a/1#2", "a/1"], reason: `${"é".repeat(300)}...`,
    });
  });
});
