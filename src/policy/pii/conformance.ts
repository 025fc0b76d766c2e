// Conformance vectors of the `pii` slot: what any pii module must do to load (run by
// ../host/validate.ts when a module is loaded or pushed, and by `sluice policy test`).
import { outputVector, refusalVector, sameJson as same, type ConformanceVector } from "../host/conformance.js";
import { decodePiiOutput, encodePiiInput } from "./codec.js";
import type { PiiRules } from "./rules.js";

function piiVector(name: string, texts: string[], rules: PiiRules, expect: (d: ReturnType<typeof decodePiiOutput>) => string | null): ConformanceVector {
  return outputVector(name, encodePiiInput(texts, rules), (output) => decodePiiOutput(output, texts), expect);
}

export const piiConformance: readonly ConformanceVector[] = [
  piiVector("no findings in plain text", ["Hello, how are you today?"], { EMAIL_ADDRESS: "redact", CREDIT_CARD: "redact" }, (d) =>
    same([d.findings.length, d.texts], [0, ["Hello, how are you today?"]], "plain text")),
  piiVector("email placeholder, reused for the same value", ["mail a@b.io and a@b.io"], { EMAIL_ADDRESS: "placeholder" }, (d) =>
    same([d.texts[0], [...d.placeholders]], ["mail <EMAIL_1> and <EMAIL_1>", [["<EMAIL_1>", "a@b.io"]]], "placeholder")),
  piiVector("card redacted, Luhn look-alike left alone", ["pay 4111 1111 1111 1111 not 4111 1111 1111 1112"], { CREDIT_CARD: "redact" }, (d) =>
    same(d.texts[0], "pay [CREDIT_CARD] not 4111 1111 1111 1112", "card")),
  piiVector("mask keeps the last four", ["iban DE89 3704 0044 0532 0130 00"], { IBAN_CODE: "mask" }, (d) =>
    same(d.texts[0], "iban **** **** **** **** **30 00", "mask")),
  piiVector("spans in UTF-16 code units", ["\u{1F600} é x@y.com"], { EMAIL_ADDRESS: "report" }, (d) =>
    same(d.findings.map((f) => [f.start, f.end, f.entityType]), [[5, 12, "EMAIL_ADDRESS"]], "utf-16 span")),
  piiVector("block names the type", ["key AKIAIOSFODNN7EXAMPLE"], { AWS_ACCESS_KEY: "block" }, (d) =>
    same(d.blockedEntityTypes, ["AWS_ACCESS_KEY"], "blocked types")),
  piiVector("types without a rule are not scanned", ["x@y.com"], { CREDIT_CARD: "redact" }, (d) =>
    same(d.findings.length, 0, "unscanned type")),
  refusalVector("refuses an unknown ABI version", encodePiiInput(["x@y.com"], { EMAIL_ADDRESS: "redact" }, 99), "accepted abi_version 99"),
];
