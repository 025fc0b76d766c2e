// Entity types: Presidio's names, the placeholder label, the overlap priority (when two matches
// overlap, the higher priority wins; then the higher score; then the longer one), the default
// minimum score and the context words (contexts.ts). Types are registered once at start by def().
//
// Scores are in thousandths (1000 = 1.0), as Presidio's: a checksummed match scores 1000 and
// needs no context; a weak pattern (a bare 9-digit number, a postcode, a date) scores low and
// reaches its type's minimum only with a context word of its type near it (+350, at least 400:
// Presidio's context enhancer). A rule's min_score overrides the type's default.
export const MAX_ENTITIES: i32 = 96;

export const NAMES = new Array<string>();
export const LABELS = new Array<string>();
export const PRIORITY = new StaticArray<i32>(MAX_ENTITIES);
/** Score of a match when its matcher does not say otherwise (thousandths). */
export const BASE_SCORE = new StaticArray<i32>(MAX_ENTITIES);
/** Minimum score to report a match when the rule gives none (thousandths). */
export const DEFAULT_MIN_SCORE = new StaticArray<i32>(MAX_ENTITIES);
/** Space-separated lower-case ASCII context words (prefixes of the words they match). */
export const CONTEXT = new Array<string>();
export let ENTITY_COUNT: i32 = 0;

/** A weak pattern's default minimum: a context word lifts any match to at least 400. */
export const NEEDS_CONTEXT: i32 = 400;

function def(name: string, label: string, priority: i32, base: i32, minScore: i32, context: string): i32 {
  const id = ENTITY_COUNT++;
  NAMES.push(name); LABELS.push(label); CONTEXT.push(context);
  unchecked(PRIORITY[id] = priority); unchecked(BASE_SCORE[id] = base); unchecked(DEFAULT_MIN_SCORE[id] = minScore);
  return id;
}

// Today's types (ids 0-16 keep their order). Secrets first, then checksum-validated numbers,
// then looser patterns.
export const EMAIL_ADDRESS = def("EMAIL_ADDRESS", "EMAIL", 6, 1000, 0, "email mail");
export const PHONE_NUMBER = def("PHONE_NUMBER", "PHONE", 3, 750, 0, "phone number telephone cell cellphone mobile call tel fax");
export const CREDIT_CARD = def("CREDIT_CARD", "CARD", 7, 1000, 0, "credit card visa mastercard amex discover jcb diners maestro instapayment");
export const IBAN_CODE = def("IBAN_CODE", "IBAN", 7, 1000, 0, "iban bank transaction");
export const IP_ADDRESS = def("IP_ADDRESS", "IP", 5, 600, 0, "ip ipv4 ipv6");
// the 3-2-4 form with separators scores 500; the weak forms (3-6, 5-4, bare 9 digits) 50
export const US_SSN = def("US_SSN", "SSN", 4, 500, 400, "social security ssn ssns ssid");
export const ES_NIF = def("ES_NIF", "NIF", 7, 1000, 0, "documento nacional identidad dni nif");
export const ES_NIE = def("ES_NIE", "NIE", 7, 1000, 0, "nie extranjero identificaci");
export const UK_NHS = def("UK_NHS", "NHS", 7, 1000, 0, "national health service nhs health");
export const CRYPTO = def("CRYPTO", "WALLET", 7, 1000, 0, "wallet btc bitcoin crypto");
export const URL = def("URL", "URL", 2, 600, 0, "url website link");
export const URL_WITH_CREDENTIALS = def("URL_WITH_CREDENTIALS", "CREDENTIAL_URL", 8, 1000, 0, "");
export const AWS_ACCESS_KEY = def("AWS_ACCESS_KEY", "AWS_KEY", 8, 1000, 0, "");
export const API_KEY = def("API_KEY", "API_KEY", 8, 1000, 0, "");
export const GITHUB_TOKEN = def("GITHUB_TOKEN", "GITHUB_TOKEN", 8, 1000, 0, "");
export const JWT = def("JWT", "JWT", 8, 1000, 0, "");
export const PRIVATE_KEY = def("PRIVATE_KEY", "PRIVATE_KEY", 9, 1000, 0, "");

// PiiAction values (policy.proto).
const ACTION_NONE: i32 = 0;
export const ACTION_REPORT: i32 = 1;
export const ACTION_REDACT: i32 = 2;
export const ACTION_MASK: i32 = 3;
export const ACTION_PLACEHOLDER: i32 = 4;
export const ACTION_BLOCK: i32 = 5;

/** Types a build leaves out (bit per entity id below 32), whatever the rules say: lets a variant
 *  build change behaviour without touching the detectors (the hot-swap tests use one). */
export let buildDisabledTypes: u32 = 0;
export function disableTypeInBuild(type: i32): void { buildDisabledTypes |= <u32>1 << <u32>type; }

/** Action per entity type for the current call (0 = not scanned). */
export const ACTIONS = new StaticArray<i32>(MAX_ENTITIES);
/** Minimum score per entity type for the current call (thousandths). */
export const MIN_SCORE = new StaticArray<i32>(MAX_ENTITIES);
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
