/** The encodings the tokens module implements, with tiktoken's names. */
export const ENCODINGS = ["cl100k_base", "o200k_base"] as const;
export type EncodingName = (typeof ENCODINGS)[number];

export function isEncodingName(value: string): value is EncodingName {
  return (ENCODINGS as readonly string[]).includes(value);
}

/** Pre-tokeniser selector stored in the rank blob; matches PATTERN_* in assembly/ranks.ts. */
export function patternId(encoding: EncodingName): number {
  return encoding === "o200k_base" ? 1 : 0;
}
