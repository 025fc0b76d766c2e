// Entity types: Presidio's names, the placeholder label, the overlap priority (when two matches
// overlap, the higher priority wins; then the higher score; then the longer one), the default
// minimum score and the context words (contexts.ts). Types are registered once at start by def().
//
// Scores are in thousandths (1000 = 1.0), as Presidio's: a checksummed match scores 1000 and
// needs no context; a weak pattern (a bare 9-digit number, a postcode, a date) scores low and
// reaches its type's minimum only with a context word of its type near it (+350, at least 400:
// Presidio's context enhancer). A rule's min_score overrides the type's default.
export const MAX_ENTITIES: i32 = 96 + 64; // the built-in types, then up to 64 custom ones (custom.ts)

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

// Issue 22: every other entity type of Presidio's pattern recognizers. Checksummed (or tightly
// validated) formats report without context; weak shapes (a bare number, a postcode, a date, a
// passport-like letter+digits) default to NEEDS_CONTEXT. Their placeholder label is the type
// name, so no two types share a placeholder series.
const STRONG: i32 = 0;
/** Dates score 0.6 (Presidio) and ISO date-times 0.8: a plain date needs a context word. */
const DATE_MIN_SCORE: i32 = 650;
export const ABA_ROUTING_NUMBER = def("ABA_ROUTING_NUMBER", "ABA_ROUTING_NUMBER", 6, 1000, STRONG, "aba routing bank");
export const AU_ABN = def("AU_ABN", "AU_ABN", 6, 1000, STRONG, "abn australian business");
export const AU_ACN = def("AU_ACN", "AU_ACN", 6, 1000, STRONG, "acn australian company");
export const AU_TFN = def("AU_TFN", "AU_TFN", 6, 1000, STRONG, "tfn tax file");
export const AU_MEDICARE = def("AU_MEDICARE", "AU_MEDICARE", 6, 1000, STRONG, "medicare");
export const CA_SIN = def("CA_SIN", "CA_SIN", 5, 500, NEEDS_CONTEXT, "sin social insurance nas");
export const DATE_TIME = def("DATE_TIME", "DATE_TIME", 1, 600, DATE_MIN_SCORE, "date birthday born birth dob expires expiry issued");
export const DE_BSNR = def("DE_BSNR", "DE_BSNR", 3, 200, NEEDS_CONTEXT, "bsnr betriebsst praxis");
export const DE_FUEHRERSCHEIN = def("DE_FUEHRERSCHEIN", "DE_FUEHRERSCHEIN", 3, 300, NEEDS_CONTEXT, "fuehrerschein fahrerlaubnis driver licen");
export const DE_HANDELSREGISTER = def("DE_HANDELSREGISTER", "DE_HANDELSREGISTER", 5, 500, STRONG, "handelsregister registergericht amtsgericht");
export const DE_HEALTH_INSURANCE = def("DE_HEALTH_INSURANCE", "DE_HEALTH_INSURANCE", 6, 1000, STRONG, "krankenversicherten versichertennummer kvnr egk krankenkasse");
export const DE_ID_CARD = def("DE_ID_CARD", "DE_ID_CARD", 6, 1000, STRONG, "personalausweis ausweis");
export const DE_KFZ = def("DE_KFZ", "DE_KFZ", 3, 300, NEEDS_CONTEXT, "kennzeichen kfz fahrzeug nummernschild");
export const DE_LANR = def("DE_LANR", "DE_LANR", 5, 1000, STRONG, "lanr arztnummer");
export const DE_PASSPORT = def("DE_PASSPORT", "DE_PASSPORT", 6, 1000, STRONG, "reisepass pass passport");
export const DE_PLZ = def("DE_PLZ", "DE_PLZ", 2, 300, NEEDS_CONTEXT, "plz postleitzahl");
export const DE_SOCIAL_SECURITY = def("DE_SOCIAL_SECURITY", "DE_SOCIAL_SECURITY", 6, 1000, STRONG, "sozialversicherungsnummer rentenversicherungsnummer svnr rvnr");
export const DE_TAX_ID = def("DE_TAX_ID", "DE_TAX_ID", 6, 1000, STRONG, "steuer idnr identifikationsnummer tin");
export const DE_TAX_NUMBER = def("DE_TAX_NUMBER", "DE_TAX_NUMBER", 3, 300, NEEDS_CONTEXT, "steuernummer finanzamt");
export const DE_VAT_ID = def("DE_VAT_ID", "DE_VAT_ID", 6, 1000, STRONG, "ust umsatzsteuer vat");
export const ES_PASSPORT = def("ES_PASSPORT", "ES_PASSPORT", 3, 50, NEEDS_CONTEXT, "pasaporte passport");
export const FI_PERSONAL_IDENTITY_CODE = def("FI_PERSONAL_IDENTITY_CODE", "FI_PERSONAL_IDENTITY_CODE", 6, 1000, STRONG, "hetu henkil personal identity");
export const IN_AADHAAR = def("IN_AADHAAR", "IN_AADHAAR", 6, 1000, STRONG, "aadhaar aadhar uidai uid");
export const IN_GSTIN = def("IN_GSTIN", "IN_GSTIN", 6, 1000, STRONG, "gstin gst");
export const IN_PAN = def("IN_PAN", "IN_PAN", 3, 500, NEEDS_CONTEXT, "pan permanent account");
export const IN_PASSPORT = def("IN_PASSPORT", "IN_PASSPORT", 3, 100, NEEDS_CONTEXT, "passport");
export const IN_VEHICLE_REGISTRATION = def("IN_VEHICLE_REGISTRATION", "IN_VEHICLE_REGISTRATION", 4, 1000, NEEDS_CONTEXT, "vehicle registration rto plate");
export const IN_VOTER = def("IN_VOTER", "IN_VOTER", 3, 300, NEEDS_CONTEXT, "voter epic election vote");
export const IT_DRIVER_LICENSE = def("IT_DRIVER_LICENSE", "IT_DRIVER_LICENSE", 3, 200, NEEDS_CONTEXT, "patente guida");
export const IT_FISCAL_CODE = def("IT_FISCAL_CODE", "IT_FISCAL_CODE", 6, 1000, NEEDS_CONTEXT, "codice fiscale");
export const IT_IDENTITY_CARD = def("IT_IDENTITY_CARD", "IT_IDENTITY_CARD", 3, 50, NEEDS_CONTEXT, "carta identit documento");
export const IT_PASSPORT = def("IT_PASSPORT", "IT_PASSPORT", 3, 50, NEEDS_CONTEXT, "passaporto passport");
export const IT_VAT_CODE = def("IT_VAT_CODE", "IT_VAT_CODE", 6, 1000, STRONG, "partita iva vat");
export const KR_BRN = def("KR_BRN", "KR_BRN", 6, 1000, STRONG, "brn business registration");
export const KR_DRIVER_LICENSE = def("KR_DRIVER_LICENSE", "KR_DRIVER_LICENSE", 5, 1000, STRONG, "driver licen");
export const KR_FRN = def("KR_FRN", "KR_FRN", 6, 1000, NEEDS_CONTEXT, "frn foreigner registration alien");
export const KR_PASSPORT = def("KR_PASSPORT", "KR_PASSPORT", 3, 100, NEEDS_CONTEXT, "passport");
export const KR_RRN = def("KR_RRN", "KR_RRN", 6, 1000, NEEDS_CONTEXT, "rrn resident registration");
export const MAC_ADDRESS = def("MAC_ADDRESS", "MAC_ADDRESS", 5, 600, STRONG, "mac address hardware physical");
export const MEDICAL_LICENSE = def("MEDICAL_LICENSE", "MEDICAL_LICENSE", 6, 1000, STRONG, "dea medical licen");
export const NG_NIN = def("NG_NIN", "NG_NIN", 6, 1000, STRONG, "nin nimc national identi");
export const NG_VEHICLE_REGISTRATION = def("NG_VEHICLE_REGISTRATION", "NG_VEHICLE_REGISTRATION", 4, 500, STRONG, "plate vehicle registration");
export const PH_MOBILE_NUMBER = def("PH_MOBILE_NUMBER", "PH_MOBILE_NUMBER", 3, 500, STRONG, "mobile phone cell");
export const PH_TIN = def("PH_TIN", "PH_TIN", 4, 600, NEEDS_CONTEXT, "tin taxpayer bir tax");
export const PL_PESEL = def("PL_PESEL", "PL_PESEL", 6, 1000, STRONG, "pesel");
export const SE_ORGANISATIONSNUMMER = def("SE_ORGANISATIONSNUMMER", "SE_ORGANISATIONSNUMMER", 6, 1000, STRONG, "organisationsnummer orgnummer");
export const SE_PERSONNUMMER = def("SE_PERSONNUMMER", "SE_PERSONNUMMER", 6, 1000, STRONG, "personnummer pnr");
export const SG_NRIC_FIN = def("SG_NRIC_FIN", "SG_NRIC_FIN", 5, 500, NEEDS_CONTEXT, "nric fin");
export const SG_UEN = def("SG_UEN", "SG_UEN", 5, 500, STRONG, "uen");
export const TH_TNIN = def("TH_TNIN", "TH_TNIN", 6, 1000, STRONG, "tnin thai");
export const TR_LICENSE_PLATE = def("TR_LICENSE_PLATE", "TR_LICENSE_PLATE", 4, 500, STRONG, "plaka");
export const TR_NATIONAL_ID = def("TR_NATIONAL_ID", "TR_NATIONAL_ID", 6, 1000, STRONG, "tckn kimlik");
export const TR_PHONE_NUMBER = def("TR_PHONE_NUMBER", "TR_PHONE_NUMBER", 3, 400, NEEDS_CONTEXT, "telefon phone numara mobile cell call contact number");
export const UK_DRIVING_LICENCE = def("UK_DRIVING_LICENCE", "UK_DRIVING_LICENCE", 5, 500, STRONG, "driving licen dvla");
export const UK_NINO = def("UK_NINO", "UK_NINO", 5, 500, STRONG, "national insurance nino");
export const UK_PASSPORT = def("UK_PASSPORT", "UK_PASSPORT", 3, 100, NEEDS_CONTEXT, "passport");
export const UK_POSTCODE = def("UK_POSTCODE", "UK_POSTCODE", 2, 100, NEEDS_CONTEXT, "postcode post code address");
export const UK_VEHICLE_REGISTRATION = def("UK_VEHICLE_REGISTRATION", "UK_VEHICLE_REGISTRATION", 4, 300, NEEDS_CONTEXT, "vehicle registration reg plate car vrn dvla");
export const US_BANK_NUMBER = def("US_BANK_NUMBER", "US_BANK_NUMBER", 2, 50, NEEDS_CONTEXT, "bank account acct");
export const US_DRIVER_LICENSE = def("US_DRIVER_LICENSE", "US_DRIVER_LICENSE", 3, 300, NEEDS_CONTEXT, "driver licen dl");
export const US_ITIN = def("US_ITIN", "US_ITIN", 4, 500, NEEDS_CONTEXT, "itin taxpayer individual");
export const US_MBI = def("US_MBI", "US_MBI", 5, 500, STRONG, "mbi medicare beneficiary");
export const US_NPI = def("US_NPI", "US_NPI", 6, 1000, STRONG, "npi provider");
export const US_PASSPORT = def("US_PASSPORT", "US_PASSPORT", 3, 50, NEEDS_CONTEXT, "passport travel document");
export const ZA_ID_NUMBER = def("ZA_ID_NUMBER", "ZA_ID_NUMBER", 6, 1000, STRONG, "id identity resident");

/** Types above are built in; custom types (policies.pii.custom, custom.ts) follow them. */
export const BUILTIN_ENTITY_COUNT = countSoFar();
function countSoFar(): i32 { return ENTITY_COUNT; }
/** Overlap priority of custom types: above the loose built-in patterns (phone, url, dates),
 *  below checksummed numbers (7) and secrets (8, 9). */
const CUSTOM_PRIORITY: i32 = 6;
/** Registers a custom type (placeholder label = its name); -1 when the table is full. */
export function defineCustomType(name: string, base: i32, minScore: i32, context: string): i32 {
  if (ENTITY_COUNT >= MAX_ENTITIES) return -1;
  return def(name, name, CUSTOM_PRIORITY, base, minScore, context);
}

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
