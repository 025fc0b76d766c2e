// The pii slot's rules: which entity types are scanned for and what happens to each, from the
// config's `policies.pii.actions` / `entities` / `min_score` / `context_window`, or the defaults.
import type { PiiPolicyConfig } from "../../gen/sluice/v1/config_pb.js";
import type { SlotInit } from "../host/definitions.js";
import { customEntityTypes, customRecognizerProblems, customRecognizersInit } from "./custom/recognizers.js";

const PII_ACTION_NAMES = ["report", "redact", "mask", "placeholder", "block"] as const;
export type PiiActionName = (typeof PII_ACTION_NAMES)[number];
/** Entity type (Presidio name) -> action; types not listed are not scanned for. */
export type PiiRules = Readonly<Record<string, PiiActionName>>;

/** Every type the shipped module detects (its registry: policy-wasm/pii/assembly/entities.ts). */
export const PII_ENTITY_TYPES = [
  "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN", "ES_NIF", "ES_NIE",
  "UK_NHS", "CRYPTO", "URL", "URL_WITH_CREDENTIALS", "AWS_ACCESS_KEY", "API_KEY", "GITHUB_TOKEN", "JWT",
  "PRIVATE_KEY", "ABA_ROUTING_NUMBER", "AU_ABN", "AU_ACN", "AU_TFN", "AU_MEDICARE", "CA_SIN", "DATE_TIME",
  "DE_BSNR", "DE_FUEHRERSCHEIN", "DE_HANDELSREGISTER", "DE_HEALTH_INSURANCE", "DE_ID_CARD", "DE_KFZ",
  "DE_LANR", "DE_PASSPORT", "DE_PLZ", "DE_SOCIAL_SECURITY", "DE_TAX_ID", "DE_TAX_NUMBER", "DE_VAT_ID",
  "ES_PASSPORT", "FI_PERSONAL_IDENTITY_CODE", "IN_AADHAAR", "IN_GSTIN", "IN_PAN", "IN_PASSPORT",
  "IN_VEHICLE_REGISTRATION", "IN_VOTER", "IT_DRIVER_LICENSE", "IT_FISCAL_CODE", "IT_IDENTITY_CARD",
  "IT_PASSPORT", "IT_VAT_CODE", "KR_BRN", "KR_DRIVER_LICENSE", "KR_FRN", "KR_PASSPORT", "KR_RRN",
  "MAC_ADDRESS", "MEDICAL_LICENSE", "NG_NIN", "NG_VEHICLE_REGISTRATION", "PH_MOBILE_NUMBER", "PH_TIN",
  "PL_PESEL", "SE_ORGANISATIONSNUMMER", "SE_PERSONNUMMER", "SG_NRIC_FIN", "SG_UEN", "TH_TNIN",
  "TR_LICENSE_PLATE", "TR_NATIONAL_ID", "TR_PHONE_NUMBER", "UK_DRIVING_LICENCE", "UK_NINO", "UK_PASSPORT",
  "UK_POSTCODE", "UK_VEHICLE_REGISTRATION", "US_BANK_NUMBER", "US_DRIVER_LICENSE", "US_ITIN", "US_MBI",
  "US_NPI", "US_PASSPORT", "ZA_ID_NUMBER",
] as const;

/** A sensible request-side default: reversible placeholders for contact data, redaction for
 *  financial and national ids, block for credentials. Plain URLs are not touched. */
export const DEFAULT_PII_RULES: PiiRules = {
  EMAIL_ADDRESS: "placeholder", PHONE_NUMBER: "placeholder", CREDIT_CARD: "placeholder",
  IBAN_CODE: "placeholder", IP_ADDRESS: "placeholder", US_SSN: "redact", ES_NIF: "redact",
  ES_NIE: "redact", UK_NHS: "redact", CRYPTO: "placeholder", URL_WITH_CREDENTIALS: "redact",
  AWS_ACCESS_KEY: "block", API_KEY: "block", GITHUB_TOKEN: "block", JWT: "redact", PRIVATE_KEY: "block",
};

/** The action a type gets when `entities` turns it on without an `actions` entry. */
const defaultAction = (type: string): PiiActionName => DEFAULT_PII_RULES[type] ?? "redact";

/** Per-type minimum scores and the context window, sent with the rules they belong to. */
export interface PiiScoring {
  /** Entity type -> minimum score (0..1); types not listed keep the module's default. */
  minScores: Readonly<Record<string, number>>;
  /** Words searched for context on each side of a weak match; 0 = the module's default (5). */
  contextWindow: number;
}
const NO_SCORING: PiiScoring = { minScores: {}, contextWindow: 0 };
const scorings = new WeakMap<PiiRules, PiiScoring>();

/** `rules` with scoring settings attached (a new rules object; the codec encodes both once). */
export function withScoring(rules: PiiRules, scoring: PiiScoring): PiiRules {
  const copy: PiiRules = { ...rules };
  scorings.set(copy, scoring);
  return copy;
}
export function piiScoring(rules: PiiRules): PiiScoring {
  return scorings.get(rules) ?? NO_SCORING;
}

/** The types `entities` names: "default", "all" or type names (checked by piiRulesProblems). */
function entityTypesOf(entities: readonly string[]): string[] {
  return entities.flatMap((e) => (e === "all" ? [...PII_ENTITY_TYPES] : e === "default" ? Object.keys(DEFAULT_PII_RULES) : [e]));
}

/** The config's rules: `entities` with their default actions, then `actions` (always on, with
 *  their action); the module's defaults when neither is given. */
export function piiRules(config: PiiPolicyConfig): PiiRules {
  const actions = Object.entries(config.actions) as [string, PiiActionName][];
  let rules: PiiRules;
  if (actions.length === 0 && config.entities.length === 0) rules = DEFAULT_PII_RULES;
  else {
    const merged: Record<string, PiiActionName> = {};
    for (const type of entityTypesOf(config.entities)) merged[type] = defaultAction(type);
    for (const [type, action] of actions) merged[type] = action;
    rules = merged;
  }
  // custom types (policies.pii.custom) are on, with "redact" unless `actions` says otherwise
  const custom = customEntityTypes(config.custom).filter((type) => !(type in rules));
  if (custom.length > 0) rules = { ...rules, ...Object.fromEntries(custom.map((type) => [type, "redact" as const])) };
  if (Object.keys(config.minScore).length === 0 && config.contextWindow === 0) return rules;
  return withScoring(rules, { minScores: { ...config.minScore }, contextWindow: config.contextWindow });
}

/** Problems of `policies.pii.actions`, `entities`, `min_score` and `custom`, for `config check`. */
export function piiRulesProblems(pii: Partial<Pick<PiiPolicyConfig, "actions" | "entities" | "minScore" | "custom">> | undefined): string[] {
  const custom = customEntityTypes(pii?.custom);
  const known = (type: string): boolean => (PII_ENTITY_TYPES as readonly string[]).includes(type) || custom.includes(type);
  const knownList = (): string => [...PII_ENTITY_TYPES, ...custom].join(", ");
  const problems: string[] = customRecognizerProblems(pii?.custom, PII_ENTITY_TYPES);
  for (const [type, action] of Object.entries(pii?.actions ?? {})) {
    if (!known(type)) problems.push(`policies.pii.actions.${type}: unknown entity type (known: ${knownList()})`);
    if (!(PII_ACTION_NAMES as readonly string[]).includes(action)) problems.push(`policies.pii.actions.${type}: expected one of ${PII_ACTION_NAMES.join(", ")}, got ${JSON.stringify(action)}`);
  }
  (pii?.entities ?? []).forEach((e, i) => {
    if (e !== "all" && e !== "default" && !known(e)) problems.push(`policies.pii.entities[${i}]: unknown entity type ${JSON.stringify(e)} (expected "default", "all" or one of: ${knownList()})`);
  });
  for (const [type, score] of Object.entries(pii?.minScore ?? {})) {
    if (!known(type)) problems.push(`policies.pii.min_score.${type}: unknown entity type (known: ${knownList()})`);
    if (!(score >= 0 && score <= 1)) problems.push(`policies.pii.min_score.${type}: expected a score from 0 to 1, got ${score}`);
  }
  return problems;
}

/** The pii slot's init data for `policies.pii.custom` (undefined without custom recognizers);
 *  throws on entries the config check refuses. */
export function piiSlotInit(pii: Pick<PiiPolicyConfig, "custom"> | undefined): SlotInit | undefined {
  return customRecognizersInit(pii?.custom, PII_ENTITY_TYPES);
}
