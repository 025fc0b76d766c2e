// The hand-written request-path codec against the generated protobuf-es schema, both ways.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { PiiAction, PiiScanInputSchema, PiiScanOutputSchema } from "../../../src/gen/sluice/policy/v1/policy_pb.js";
import { WireError } from "../../../src/policy/host/wire.js";
import { encodePiiInput, readScanOutput } from "../../../src/policy/pii/codec.js";
import { withScoring } from "../../../src/policy/pii/rules.js";

const TEXTS = [
  "", "plain", "né 😀 ünïcödé ✓", "x".repeat(200), "y".repeat(20_000), "mixed 😀".repeat(5_000), "lone \ud800 surrogate",
];

describe("pii wire codec", () => {
  it("encodes PiiScanInput exactly as protobuf-es decodes it", () => {
    for (let n = 0; n <= TEXTS.length; n++) {
      const texts = TEXTS.slice(0, n);
      const bytes = encodePiiInput(texts, { EMAIL_ADDRESS: "placeholder", CREDIT_CARD: "block" });
      const decoded = fromBinary(PiiScanInputSchema, bytes);
      expect(decoded.abiVersion).toBe(1);
      expect(decoded.texts).toEqual(texts.map((t) => new TextDecoder().decode(new TextEncoder().encode(t))));
      expect(decoded.rules.map((r) => [r.entityType, r.action])).toEqual([["EMAIL_ADDRESS", PiiAction.PLACEHOLDER], ["CREDIT_CARD", PiiAction.BLOCK]]);
    }
  });

  it("encodes per-type minimum scores and the context window with the rules", () => {
    const rules = withScoring({ US_SSN: "redact", EMAIL_ADDRESS: "report" }, { minScores: { US_SSN: 0.25 }, contextWindow: 7 });
    const decoded = fromBinary(PiiScanInputSchema, encodePiiInput(["x"], rules));
    expect(decoded.rules.map((r) => [r.entityType, r.minScore])).toEqual([["US_SSN", 0.25], ["EMAIL_ADDRESS", undefined]]);
    expect(decoded.contextWindow).toBe(7);
  });

  it("decodes every field of a protobuf-es PiiScanOutput", () => {
    const message = create(PiiScanOutputSchema, {
      abiVersion: 1,
      spans: [{ textIndex: 0, start: 3, end: 300000, entityType: "EMAIL_ADDRESS", action: PiiAction.PLACEHOLDER, score: 1 }, { textIndex: 7, start: 0, end: 1, entityType: "é", action: PiiAction.REPORT, score: 0.25 }],
      rewrites: [{ textIndex: 2, text: "hi <EMAIL_1> 😀" }, { textIndex: 0, text: "z".repeat(70_000) }],
      placeholders: [{ placeholder: "<EMAIL_1>", original: "a@b.io" }],
      blockedEntityTypes: ["AWS_ACCESS_KEY", "API_KEY"],
    });
    const wire = readScanOutput(toBinary(PiiScanOutputSchema, message));
    expect(wire).toEqual({
      abiVersion: 1,
      spans: message.spans.map(({ textIndex, start, end, entityType, action, score }) => ({ textIndex, start, end, entityType, action, score })),
      rewrites: message.rewrites.map(({ textIndex, text }) => ({ textIndex, text })),
      placeholders: message.placeholders.map(({ placeholder, original }) => ({ placeholder, original })),
      blockedEntityTypes: ["AWS_ACCESS_KEY", "API_KEY"],
    });
  });

  it("skips unknown fields and rejects malformed bytes", () => {
    expect(readScanOutput(new Uint8Array([0x08, 0x01, 0x78, 0x05, 0x82, 0x01, 0x00])).abiVersion).toBe(1); // fields 15, 16
    expect(() => readScanOutput(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(WireError);
    expect(() => readScanOutput(new Uint8Array([0x2a, 0x05, 0x41]))).toThrow(WireError); // length past the end
    expect(() => readScanOutput(new Uint8Array([0x2a, 0x01, 0xc3]))).toThrow(WireError); // invalid UTF-8
    expect(() => readScanOutput(new Uint8Array([0x0b]))).toThrow(WireError); // wire type 3 (groups)
  });
});
