// The typed API of the `tokens` slot: exact token counts (and ids) of texts for an encoding.
//   count(encoding, texts)  -> one count per text, `exact: true` from the module;
//   encode(encoding, texts) -> the token ids (the slot's optional `encode` export).
// A module failure never throws into the request path, except as PolicyRefusedError when the
// slot fails closed. Failing open, `count` returns the estimate ceil(UTF-16 length / 4) per
// text (the gateway's character rule, src/pipeline/estimate.ts) with `exact: false`, and
// `encode` returns no ids (empty arrays) with `exact: false`.
// A batch larger than MAX_CALL_BYTES is split over several module calls (a huge text goes alone).
import { errorMessage, PolicyCallError, PolicyRefusedError, type PolicyFailure } from "../host/errors.js";
import type { PolicySlot } from "../host/slot.js";
import { decodeTokensCount, decodeTokensEncode, encodeTokensInput, tokensInputBound } from "./codec.js";

/** Most (upper-bound) input bytes one module call is given. */
const MAX_CALL_BYTES = 8 * 1024 * 1024;

interface TokensCountResult {
  /** Parallel to the texts. */
  counts: number[];
  /** true: the module's counts; false: the fail-open estimate (see estimateTokens). */
  exact: boolean;
  failure: PolicyFailure | null;
  /** Module version that counted (null when none did). */
  version: number | null;
}

interface TokensEncodeResult {
  /** Parallel to the texts; empty arrays when the module failed and the slot fails open. */
  ids: Uint32Array[];
  exact: boolean;
  failure: PolicyFailure | null;
  version: number | null;
}

/** The fail-open stand-in: about 4 characters per token (UTF-16 units, rounded up). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Splits texts into runs whose input bound stays under `maxBytes` (a huge text goes alone). */
export function* callSlices(encoding: string, texts: readonly string[], maxBytes = MAX_CALL_BYTES): Generator<readonly string[]> {
  if (tokensInputBound(encoding, texts) <= maxBytes) {
    yield texts;
    return;
  }
  let start = 0;
  let bytes = tokensInputBound(encoding, []);
  for (let i = 0; i < texts.length; i++) {
    const size = 6 + (texts[i] as string).length * 3;
    if (i > start && bytes + size > maxBytes) {
      yield texts.slice(start, i);
      start = i;
      bytes = tokensInputBound(encoding, []);
    }
    bytes += size;
  }
  yield texts.slice(start);
}

export class TokensSlot {
  constructor(private readonly slot: PolicySlot) {}

  async count(encoding: string, texts: readonly string[]): Promise<TokensCountResult> {
    const run = await this.run("count", encoding, texts, decodeTokensCount);
    if (run.ok) return { counts: run.values, exact: true, failure: null, version: run.version };
    return { counts: texts.map(estimateTokens), exact: false, failure: run.failure, version: run.version };
  }

  async encode(encoding: string, texts: readonly string[]): Promise<TokensEncodeResult> {
    const run = await this.run("encode", encoding, texts, decodeTokensEncode);
    if (run.ok) return { ids: run.values, exact: true, failure: null, version: run.version };
    return { ids: texts.map(() => new Uint32Array(0)), exact: false, failure: run.failure, version: run.version };
  }

  private async run<T>(
    exportName: "count" | "encode",
    encoding: string,
    texts: readonly string[],
    decode: (output: Uint8Array, expected: number) => T[],
  ): Promise<{ ok: true; values: T[]; version: number | null } | { ok: false; failure: PolicyFailure; version: number | null }> {
    const values: T[] = [];
    if (texts.length === 0) return { ok: true, values, version: this.slot.current()?.version ?? null };
    let version: number | null = null;
    let failure: PolicyFailure;
    attempt: {
      for (const slice of callSlices(encoding, texts)) {
        const outcome = await this.slot.call(encodeTokensInput(encoding, slice), exportName);
        version = outcome.version;
        if (!outcome.ok) {
          failure = outcome.failure;
          break attempt;
        }
        try {
          const decoded = decode(outcome.output, slice.length);
          for (const v of decoded) values.push(v);
        } catch (err) {
          const kind = err instanceof PolicyCallError ? err.kind : "garbage";
          failure = { kind, slot: this.slot.name, message: errorMessage(err) };
          break attempt;
        }
      }
      return { ok: true, values, version };
    }
    if (this.slot.config.failMode === "closed") throw new PolicyRefusedError(failure);
    return { ok: false, failure, version };
  }
}
