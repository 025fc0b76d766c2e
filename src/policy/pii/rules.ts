// The pii slot's rules: which entity types are scanned for and what happens to each, from the
// config's `policies.pii.actions` or the defaults.
import type { PiiPolicyConfig } from "../../gen/sluice/v1/config_pb.js";

const PII_ACTION_NAMES = ["report", "redact", "mask", "placeholder", "block"] as const;
export type PiiActionName = (typeof PII_ACTION_NAMES)[number];
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

/** The config's `policies.pii.actions`, or the module's defaults when none are given. */
export function piiRules(config: PiiPolicyConfig): PiiRules {
  const entries = Object.entries(config.actions);
  return entries.length === 0 ? DEFAULT_PII_RULES : (Object.fromEntries(entries) as Record<string, PiiActionName>);
}

/** Problems of `policies.pii.actions`, for `config check`. */
export function piiRulesProblems(actions: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [type, action] of Object.entries(actions)) {
    if (!(PII_ENTITY_TYPES as readonly string[]).includes(type)) problems.push(`policies.pii.actions.${type}: unknown entity type (known: ${PII_ENTITY_TYPES.join(", ")})`);
    if (!(PII_ACTION_NAMES as readonly string[]).includes(action)) problems.push(`policies.pii.actions.${type}: expected one of ${PII_ACTION_NAMES.join(", ")}, got ${JSON.stringify(action)}`);
  }
  return problems;
}
