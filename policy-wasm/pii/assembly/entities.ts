// Entity types: Presidio's names where one exists, the placeholder label, and the overlap
// priority (when two matches overlap, the higher priority wins; then the longer one).
export const EMAIL_ADDRESS: i32 = 0;
export const PHONE_NUMBER: i32 = 1;
export const CREDIT_CARD: i32 = 2;
export const IBAN_CODE: i32 = 3;
export const IP_ADDRESS: i32 = 4;
export const US_SSN: i32 = 5;
export const ES_NIF: i32 = 6;
export const ES_NIE: i32 = 7;
export const UK_NHS: i32 = 8;
export const CRYPTO: i32 = 9;
export const URL: i32 = 10;
export const URL_WITH_CREDENTIALS: i32 = 11;
export const AWS_ACCESS_KEY: i32 = 12;
export const API_KEY: i32 = 13;
export const GITHUB_TOKEN: i32 = 14;
export const JWT: i32 = 15;
export const PRIVATE_KEY: i32 = 16;
export const ENTITY_COUNT: i32 = 17;

export const NAMES: StaticArray<string> = [
  "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN", "ES_NIF",
  "ES_NIE", "UK_NHS", "CRYPTO", "URL", "URL_WITH_CREDENTIALS", "AWS_ACCESS_KEY", "API_KEY",
  "GITHUB_TOKEN", "JWT", "PRIVATE_KEY",
];
export const LABELS: StaticArray<string> = [
  "EMAIL", "PHONE", "CARD", "IBAN", "IP", "SSN", "NIF", "NIE", "NHS", "WALLET", "URL", "CREDENTIAL_URL",
  "AWS_KEY", "API_KEY", "GITHUB_TOKEN", "JWT", "PRIVATE_KEY",
];
// Secrets first, then checksum-validated numbers, then looser patterns.
export const PRIORITY: StaticArray<i32> = [6, 3, 7, 7, 5, 4, 7, 7, 7, 7, 2, 8, 8, 8, 8, 8, 9];

// PiiAction values (policy.proto).
const ACTION_NONE: i32 = 0;
export const ACTION_REPORT: i32 = 1;
export const ACTION_REDACT: i32 = 2;
export const ACTION_MASK: i32 = 3;
export const ACTION_PLACEHOLDER: i32 = 4;
export const ACTION_BLOCK: i32 = 5;

/** Types a build leaves out (bit per entity id), whatever the rules say: lets a variant build
 *  change behaviour without touching the detectors (the hot-swap tests use one). */
export let buildDisabledTypes: u32 = 0;
export function disableTypeInBuild(type: i32): void { buildDisabledTypes |= <u32>1 << <u32>type; }

/** Action per entity type for the current call (0 = not scanned). */
export const ACTIONS = new StaticArray<i32>(ENTITY_COUNT);
@inline export function enabled(type: i32): bool { return unchecked(ACTIONS[type]) != ACTION_NONE; }

/** Entity id for a UTF-8 name in memory, or -1. */
export function entityByName(p: usize, len: i32): i32 {
  for (let id = 0; id < ENTITY_COUNT; id++) {
    const name = unchecked(NAMES[id]);
    // the length and the last byte leave one candidate (every call parses all its rules)
    if (name.length != len || len == 0 || <i32>load<u8>(p + <usize>(len - 1)) != name.charCodeAt(len - 1)) continue;
    let same = true;
    for (let k = 0; k < len; k++) {
      if (<i32>load<u8>(p + <usize>k) != name.charCodeAt(k)) { same = false; break; }
    }
    if (same) return id;
  }
  return -1;
}
