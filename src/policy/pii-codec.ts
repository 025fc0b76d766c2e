// PiiScanInput / PiiScanOutput <-> plain TypeScript values, with the contract checks that turn
// a module's garbage into a typed failure (bad protobuf, wrong ABI version, spans or rewrites
// pointing outside the texts).
import { create, toBinary } from "@bufbuild/protobuf";
import { PiiAction, PiiRuleSchema, PiiScanInputSchema } from "../gen/sluice/policy/v1/policy_pb.js";
import { errorMessage, PolicyCallError } from "./errors.js";
import { readScanOutput, writeScanInput, type WireScanOutput } from "./pii-wire.js";

export const PII_ABI_VERSION = 1;

export type PiiActionName = "report" | "redact" | "mask" | "placeholder" | "block";
/** Entity type (Presidio name) -> action; types not listed are not scanned for. */
export type PiiRules = Readonly<Record<string, PiiActionName>>;

export const PII_ENTITY_TYPES = [
  "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN", "ES_NIF",
  "ES_NIE", "UK_NHS", "CRYPTO", "URL", "URL_WITH_CREDENTIALS", "AWS_ACCESS_KEY", "API_KEY",
  "GITHUB_TOKEN", "JWT", "PRIVATE_KEY",
] as const;

/** A sensible request-side default: reversible placeholders for contact data, redaction for
 *  financial and national ids, block for credentials. Plain URLs are not touched. */
export const DEFAULT_PII_RULES: PiiRules = {
  EMAIL_ADDRESS: "placeholder", PHONE_NUMBER: "placeholder", CREDIT_CARD: "placeholder",
  IBAN_CODE: "placeholder", IP_ADDRESS: "placeholder", US_SSN: "redact", ES_NIF: "redact",
  ES_NIE: "redact", UK_NHS: "redact", CRYPTO: "placeholder", URL_WITH_CREDENTIALS: "redact",
  AWS_ACCESS_KEY: "block", API_KEY: "block", GITHUB_TOKEN: "block", JWT: "redact", PRIVATE_KEY: "block",
};

const ACTION_CODES: Record<PiiActionName, PiiAction> = {
  report: PiiAction.REPORT, redact: PiiAction.REDACT, mask: PiiAction.MASK,
  placeholder: PiiAction.PLACEHOLDER, block: PiiAction.BLOCK,
};
const ACTION_NAMES = new Map<PiiAction, PiiActionName>(
  Object.entries(ACTION_CODES).map(([name, code]) => [code, name as PiiActionName]),
);

export interface PiiFinding {
  textIndex: number;
  /** UTF-16 code units (JavaScript string indices), end exclusive. */
  start: number;
  end: number;
  entityType: string;
  action: PiiActionName;
}

export interface PiiScanDecoded {
  findings: PiiFinding[];
  /** The texts after the actions (unchanged texts are the input strings). */
  texts: string[];
  /** placeholder -> original value */
  placeholders: Map<string, string>;
  blockedEntityTypes: string[];
}

// The rules of a rules object are encoded once (protobuf-es, off the hot path) and appended.
const ruleCache = new WeakMap<PiiRules, Uint8Array>();
function encodedRules(rules: PiiRules): Uint8Array {
  let bytes = ruleCache.get(rules);
  if (!bytes) {
    const list = Object.entries(rules).map(([entityType, action]) => create(PiiRuleSchema, { entityType, action: ACTION_CODES[action] }));
    bytes = toBinary(PiiScanInputSchema, create(PiiScanInputSchema, { rules: list }));
    ruleCache.set(rules, bytes);
  }
  return bytes;
}

export function encodePiiInput(texts: readonly string[], rules: PiiRules, abiVersion = PII_ABI_VERSION): Uint8Array {
  return writeScanInput(abiVersion, texts, encodedRules(rules));
}

function garbage(message: string): PolicyCallError {
  return new PolicyCallError("garbage", `pii output: ${message}`);
}

export function decodePiiOutput(bytes: Uint8Array, inputTexts: readonly string[]): PiiScanDecoded {
  let output: WireScanOutput;
  try {
    output = readScanOutput(bytes);
  } catch (err) {
    throw garbage(`not a PiiScanOutput (${errorMessage(err)})`);
  }
  if (output.abiVersion !== PII_ABI_VERSION) throw garbage(`abi_version ${output.abiVersion}, expected ${PII_ABI_VERSION}`);
  const findings: PiiFinding[] = [];
  for (const span of output.spans) {
    const text = inputTexts[span.textIndex];
    if (text === undefined || span.start >= span.end || span.end > text.length) {
      throw garbage(`span ${span.textIndex}:${span.start}-${span.end} outside the texts`);
    }
    const action = ACTION_NAMES.get(span.action);
    if (!action) throw garbage(`span with unknown action ${span.action}`);
    findings.push({ textIndex: span.textIndex, start: span.start, end: span.end, entityType: span.entityType, action });
  }
  const texts = [...inputTexts];
  for (const rewrite of output.rewrites) {
    if (rewrite.textIndex >= texts.length) throw garbage(`rewrite of text ${rewrite.textIndex} outside the texts`);
    texts[rewrite.textIndex] = rewrite.text;
  }
  const placeholders = new Map<string, string>();
  for (const p of output.placeholders) {
    if (!/^<[A-Z0-9_]+>$/.test(p.placeholder)) throw garbage(`malformed placeholder ${JSON.stringify(p.placeholder)}`);
    placeholders.set(p.placeholder, p.original);
  }
  return { findings, texts, placeholders, blockedEntityTypes: output.blockedEntityTypes };
}
