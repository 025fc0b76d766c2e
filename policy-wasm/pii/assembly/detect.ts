// One pass over a text: at each word start, the matchers that can start with that byte; `@`
// and `-----BEGIN` are triggers inside words. Only enabled entity types are tried.
// Speed: runs of plain prose are skipped 16 bytes at a time (prose.ts), words one at a time, and
// a letter word only reaches the matchers when what follows its letters could make it a match.
import { T, N, ch, isHex, isDigit, isAlpha, digitRun, classOf, CLASS_WORD, CLASS_ALPHA, CLASS_DIGIT, CLASS_FOLLOW } from "./text";
import { addCandidate, matchScore, resetMatchScore } from "./candidates";
import { withContext } from "./contexts";
import { hotMask, letterMask } from "./prose";
import {
  enabled, BASE_SCORE, MIN_SCORE, BUILTIN_ENTITY_COUNT, EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, IP_ADDRESS, US_SSN, ES_NIF, ES_NIE,
  UK_NHS, CRYPTO, URL, URL_WITH_CREDENTIALS, AWS_ACCESS_KEY, API_KEY, GITHUB_TOKEN, JWT, PRIVATE_KEY,
  ABA_ROUTING_NUMBER, AU_ABN, AU_ACN, AU_TFN, AU_MEDICARE, CA_SIN, DATE_TIME, DE_BSNR, DE_FUEHRERSCHEIN,
  DE_HANDELSREGISTER, DE_HEALTH_INSURANCE, DE_ID_CARD, DE_KFZ, DE_LANR, DE_PASSPORT, DE_PLZ, DE_SOCIAL_SECURITY,
  DE_TAX_ID, DE_TAX_NUMBER, DE_VAT_ID, ES_PASSPORT, FI_PERSONAL_IDENTITY_CODE, IN_AADHAAR, IN_GSTIN, IN_PAN,
  IN_PASSPORT, IN_VEHICLE_REGISTRATION, IN_VOTER, IT_DRIVER_LICENSE, IT_FISCAL_CODE, IT_IDENTITY_CARD,
  IT_PASSPORT, IT_VAT_CODE, KR_BRN, KR_DRIVER_LICENSE, KR_FRN, KR_PASSPORT, KR_RRN, MAC_ADDRESS,
  MEDICAL_LICENSE, NG_NIN, NG_VEHICLE_REGISTRATION, PH_MOBILE_NUMBER, PH_TIN, PL_PESEL,
  SE_ORGANISATIONSNUMMER, SE_PERSONNUMMER, SG_NRIC_FIN, SG_UEN, TH_TNIN, TR_LICENSE_PLATE, TR_NATIONAL_ID,
  TR_PHONE_NUMBER, UK_DRIVING_LICENCE, UK_NINO, UK_PASSPORT, UK_POSTCODE, UK_VEHICLE_REGISTRATION,
  US_BANK_NUMBER, US_DRIVER_LICENSE, US_ITIN, US_MBI, US_NPI, US_PASSPORT, ZA_ID_NUMBER,
} from "./entities";
import {
  matchAba, matchAuAbn, matchAuAcn, matchAuTfn, matchAuMedicare, matchCaSin, matchDeTaxId, matchDeLanr,
  matchDeBsnr, matchDePlz, matchDeTaxNumber, matchTrNationalId, matchNgNin, matchInAadhaar, matchPlPesel,
  matchKrRrn, matchKrFrn, matchKrBrn, matchKrDriverLicense, matchThTnin, matchZaId, matchSePersonnummer,
  matchSeOrganisationsnummer, matchFiPersonalCode, matchUsNpi, matchUsBankNumber, matchUsItin,
  matchUsPassportDigits, matchItVat, matchPhTin, matchDeSocialSecurity, matchInGstin, matchTrPlate,
  matchSgUenDigits,
} from "./national";
import {
  matchDeIdCard, matchDePassport, matchDeHealthInsurance, matchDeVatId, matchDeHandelsregister,
  matchDeFuehrerschein, matchDeKfz, kfzStart, matchEsPassport, matchInPan, matchInPassport, matchInVoter,
  matchInVehicle, matchItFiscalCode, matchItIdentityCard, matchItPassport, matchItDriverLicense,
  matchKrPassport, matchMedicalLicense, matchNgVehicle, matchSgNric, matchSgUenLetters,
  matchUkDrivingLicence, matchUkNino, matchUkPassport, matchUkPostcode, matchUkVehicle,
  matchUsPassportLetter, matchUsDriverLicense, matchUsMbi,
} from "./alnum";
import { matchDateDigits, matchDateMonth } from "./dates";
import { resetGroups } from "./groups";
import { matchCard, matchSsn, matchNhs, matchNif, matchNie } from "./numbers";
import { matchInternational, matchNationalPhone, matchTrPhone, matchPhMobile } from "./phone";
import { matchIpv4, matchIpv6, matchEmailAt, matchSchemeUrl, matchBareDomain, matchMac, matchStart, urlHasCredentials } from "./network";
import { matchBase58Address, matchBech32Address } from "./crypto";
import { matchAwsKey, matchApiKey, matchGithubToken, matchJwt, matchPrivateKey } from "./secrets";
import { matchIban } from "./iban";
import { detectCustom } from "./custom";

/** A match [start, end) of `type`: scored (the matcher's score or the type's base), raised by a
 *  context word when that is what it takes to reach the type's minimum, kept when it does. */
function accept(start: i32, end: i32, type: i32): void {
  let score = matchScore >= 0 ? matchScore : unchecked(BASE_SCORE[type]);
  resetMatchScore();
  const min = unchecked(MIN_SCORE[type]);
  if (score < min) score = withContext(type, start, end, score);
  if (score >= min) addCandidate(start, end, type, score);
}

@inline function tryAdd(start: i32, end: i32, type: i32): void {
  if (end > start) accept(start, end, type);
  else resetMatchScore();
}

function atDigit(i: i32, c: i32): void {
  if (enabled(CREDIT_CARD)) tryAdd(i, matchCard(i), CREDIT_CARD);
  if (enabled(US_SSN)) tryAdd(i, matchSsn(i), US_SSN);
  if (enabled(UK_NHS)) tryAdd(i, matchNhs(i), UK_NHS);
  if (enabled(ES_NIF)) tryAdd(i, matchNif(i), ES_NIF);
  if (enabled(PHONE_NUMBER)) tryAdd(i, matchNationalPhone(i), PHONE_NUMBER);
  if (enabled(IP_ADDRESS)) {
    tryAdd(i, matchIpv4(i), IP_ADDRESS);
    tryAdd(i, matchIpv6(i), IP_ADDRESS);
  }
  if (enabled(CRYPTO) && (c == 49 || c == 51)) tryAdd(i, matchBase58Address(i), CRYPTO);
  if (moreDigitTypes) atDigitMore(i, c);
}

/** Issue 22's types that can start with a digit (only when one of them is on). Dispatched on
 *  the shape of the word's start: the length r of its first digit run and the byte s after it,
 *  so a digit word in prose costs one switch and a few tests. */
function atDigitMore(i: i32, c: i32): void {
  const r = digitRun(i), s = ch(i + r);
  const sp = s == 32, dash = s == 45, alpha = isAlpha(s);
  if (r <= 4 && enabled(MAC_ADDRESS)) tryAdd(i, matchMac(i), MAC_ADDRESS);
  if (r < 10 && alpha && enabled(IN_PAN)) tryAdd(i, matchInPan(i), IN_PAN);
  if (r >= 8 && r <= 17 && enabled(US_BANK_NUMBER)) tryAdd(i, matchUsBankNumber(i), US_BANK_NUMBER);
  switch (r) {
    case 1: {
      if ((s == 47 || dash || s == 46) && enabled(DATE_TIME)) tryAdd(i, matchDateDigits(i), DATE_TIME);
      if (alpha && enabled(US_MBI)) tryAdd(i, matchUsMbi(i), US_MBI);
      if (c == 48 && enabled(TR_PHONE_NUMBER)) tryAdd(i, matchTrPhone(i), TR_PHONE_NUMBER);
      if (enabled(DE_FUEHRERSCHEIN) && alpha) tryAdd(i, matchDeFuehrerschein(i), DE_FUEHRERSCHEIN);
      break;
    }
    case 2: {
      if ((s == 47 || dash || s == 46) && enabled(DATE_TIME)) tryAdd(i, matchDateDigits(i), DATE_TIME);
      if (sp) {
        if (enabled(AU_ABN)) tryAdd(i, matchAuAbn(i), AU_ABN);
        if (enabled(TR_LICENSE_PLATE)) tryAdd(i, matchTrPlate(i), TR_LICENSE_PLATE);
      } else if (alpha) {
        if (enabled(IN_GSTIN)) tryAdd(i, matchInGstin(i), IN_GSTIN);
        if (enabled(DE_FUEHRERSCHEIN)) tryAdd(i, matchDeFuehrerschein(i), DE_FUEHRERSCHEIN);
      } else if (dash && enabled(KR_DRIVER_LICENSE)) tryAdd(i, matchKrDriverLicense(i), KR_DRIVER_LICENSE);
      if (s == 47 && enabled(DE_TAX_NUMBER)) tryAdd(i, matchDeTaxNumber(i), DE_TAX_NUMBER);
      break;
    }
    case 3: {
      if (sp || dash) {
        if (enabled(AU_ACN) && sp) tryAdd(i, matchAuAcn(i), AU_ACN);
        if (enabled(AU_TFN) && sp) tryAdd(i, matchAuTfn(i), AU_TFN);
        if (enabled(CA_SIN)) tryAdd(i, matchCaSin(i), CA_SIN);
        if (enabled(KR_BRN) && dash) tryAdd(i, matchKrBrn(i), KR_BRN);
        if (enabled(PH_TIN) && dash) tryAdd(i, matchPhTin(i), PH_TIN);
        if (c == 57 && enabled(US_ITIN)) tryAdd(i, matchUsItin(i), US_ITIN);
        if (c >= 50 && c <= 53 && enabled(TR_PHONE_NUMBER)) tryAdd(i, matchTrPhone(i), TR_PHONE_NUMBER);
      }
      if (s == 47 && enabled(DE_TAX_NUMBER)) tryAdd(i, matchDeTaxNumber(i), DE_TAX_NUMBER);
      break;
    }
    case 4: {
      if ((s == 47 || dash) && enabled(DATE_TIME)) tryAdd(i, matchDateDigits(i), DATE_TIME);
      if (sp || dash) {
        if (dash && enabled(ABA_ROUTING_NUMBER)) tryAdd(i, matchAba(i), ABA_ROUTING_NUMBER);
        if (sp && enabled(AU_MEDICARE)) tryAdd(i, matchAuMedicare(i), AU_MEDICARE);
        if (enabled(IN_AADHAAR)) tryAdd(i, matchInAadhaar(i), IN_AADHAAR);
        if (enabled(US_NPI)) tryAdd(i, matchUsNpi(i), US_NPI);
        if (c == 48 && enabled(TR_PHONE_NUMBER)) tryAdd(i, matchTrPhone(i), TR_PHONE_NUMBER);
        if (c == 48 && enabled(PH_MOBILE_NUMBER)) tryAdd(i, matchPhMobile(i), PH_MOBILE_NUMBER);
      }
      break;
    }
    case 5: {
      if (enabled(DE_PLZ)) tryAdd(i, matchDePlz(i), DE_PLZ);
      if ((sp || dash) && c == 57 && enabled(US_ITIN)) tryAdd(i, matchUsItin(i), US_ITIN);
      break;
    }
    case 6: {
      if (dash) {
        if (enabled(KR_FRN)) tryAdd(i, matchKrFrn(i), KR_FRN);
        if (enabled(KR_RRN)) tryAdd(i, matchKrRrn(i), KR_RRN);
        if (enabled(SE_ORGANISATIONSNUMMER)) tryAdd(i, matchSeOrganisationsnummer(i), SE_ORGANISATIONSNUMMER);
        if (enabled(SE_PERSONNUMMER)) tryAdd(i, matchSePersonnummer(i), SE_PERSONNUMMER);
      }
      if (s > 32 && enabled(FI_PERSONAL_IDENTITY_CODE)) tryAdd(i, matchFiPersonalCode(i), FI_PERSONAL_IDENTITY_CODE);
      break;
    }
    case 8: {
      if (alpha) {
        if (enabled(DE_SOCIAL_SECURITY)) tryAdd(i, matchDeSocialSecurity(i), DE_SOCIAL_SECURITY);
        if (enabled(SG_UEN)) tryAdd(i, matchSgUenDigits(i), SG_UEN);
      } else if (dash && enabled(SE_PERSONNUMMER)) tryAdd(i, matchSePersonnummer(i), SE_PERSONNUMMER);
      break;
    }
    case 9: {
      if (alpha) { if (enabled(SG_UEN)) tryAdd(i, matchSgUenDigits(i), SG_UEN); break; }
      if (enabled(ABA_ROUTING_NUMBER)) tryAdd(i, matchAba(i), ABA_ROUTING_NUMBER);
      if (enabled(AU_ACN)) tryAdd(i, matchAuAcn(i), AU_ACN);
      if (enabled(AU_TFN)) tryAdd(i, matchAuTfn(i), AU_TFN);
      if (enabled(CA_SIN)) tryAdd(i, matchCaSin(i), CA_SIN);
      if (enabled(DE_BSNR)) tryAdd(i, matchDeBsnr(i), DE_BSNR);
      if (enabled(DE_LANR)) tryAdd(i, matchDeLanr(i), DE_LANR);
      if (enabled(PH_TIN)) tryAdd(i, matchPhTin(i), PH_TIN);
      if (enabled(US_PASSPORT)) tryAdd(i, matchUsPassportDigits(i), US_PASSPORT);
      if (c == 57 && enabled(US_ITIN)) tryAdd(i, matchUsItin(i), US_ITIN);
      break;
    }
    case 10: {
      if (enabled(AU_MEDICARE)) tryAdd(i, matchAuMedicare(i), AU_MEDICARE);
      if (enabled(DE_FUEHRERSCHEIN)) tryAdd(i, matchDeFuehrerschein(i), DE_FUEHRERSCHEIN);
      if (enabled(KR_BRN)) tryAdd(i, matchKrBrn(i), KR_BRN);
      if (enabled(SE_ORGANISATIONSNUMMER)) tryAdd(i, matchSeOrganisationsnummer(i), SE_ORGANISATIONSNUMMER);
      if (enabled(SE_PERSONNUMMER)) tryAdd(i, matchSePersonnummer(i), SE_PERSONNUMMER);
      if (enabled(US_NPI)) tryAdd(i, matchUsNpi(i), US_NPI);
      if (c >= 50 && c <= 53 && enabled(TR_PHONE_NUMBER)) tryAdd(i, matchTrPhone(i), TR_PHONE_NUMBER);
      break;
    }
    case 11: {
      if (enabled(AU_ABN)) tryAdd(i, matchAuAbn(i), AU_ABN);
      if (enabled(DE_TAX_ID)) tryAdd(i, matchDeTaxId(i), DE_TAX_ID);
      if (enabled(IT_VAT_CODE)) tryAdd(i, matchItVat(i), IT_VAT_CODE);
      if (enabled(NG_NIN)) tryAdd(i, matchNgNin(i), NG_NIN);
      if (enabled(PL_PESEL)) tryAdd(i, matchPlPesel(i), PL_PESEL);
      if (enabled(TR_NATIONAL_ID)) tryAdd(i, matchTrNationalId(i), TR_NATIONAL_ID);
      if (c == 48 && enabled(TR_PHONE_NUMBER)) tryAdd(i, matchTrPhone(i), TR_PHONE_NUMBER);
      if (c == 48 && enabled(PH_MOBILE_NUMBER)) tryAdd(i, matchPhMobile(i), PH_MOBILE_NUMBER);
      break;
    }
    case 12: {
      if (enabled(IN_AADHAAR)) tryAdd(i, matchInAadhaar(i), IN_AADHAAR);
      if (enabled(PH_TIN)) tryAdd(i, matchPhTin(i), PH_TIN);
      if (enabled(SE_PERSONNUMMER)) tryAdd(i, matchSePersonnummer(i), SE_PERSONNUMMER);
      break;
    }
    case 13: {
      if (enabled(DE_TAX_NUMBER)) tryAdd(i, matchDeTaxNumber(i), DE_TAX_NUMBER);
      if (enabled(KR_FRN)) tryAdd(i, matchKrFrn(i), KR_FRN);
      if (enabled(KR_RRN)) tryAdd(i, matchKrRrn(i), KR_RRN);
      if (enabled(TH_TNIN)) tryAdd(i, matchThTnin(i), TH_TNIN);
      if (enabled(ZA_ID_NUMBER)) tryAdd(i, matchZaId(i), ZA_ID_NUMBER);
      break;
    }
    default: break;
  }
}

/** Issue 22's types that start with a letter, gated like atDigitMore on the length a of the
 *  word's first letter run and the byte s after it. */
function atLetterMore(i: i32, c: i32): void {
  let j = i + 1;
  while (isAlpha(ch(j))) j++;
  const a = j - i, s = ch(j);
  const digit = isDigit(s), sp = s == 32, dash = s == 45;
  if (a <= 4 && enabled(MAC_ADDRESS) && isHex(c)) tryAdd(i, matchMac(i), MAC_ADDRESS);
  if (a <= 3 && (sp || dash) && enabled(DE_KFZ)) { const end = matchDeKfz(i); if (end) accept(kfzStart(), end, DE_KFZ); else resetMatchScore(); }
  if (a == 3 && dash) {
    if (enabled(DATE_TIME)) tryAdd(i, matchDateMonth(i), DATE_TIME);
    if (enabled(NG_VEHICLE_REGISTRATION)) tryAdd(i, matchNgVehicle(i), NG_VEHICLE_REGISTRATION);
  }
  if (a == 3 && sp && enabled(DE_HANDELSREGISTER)) tryAdd(i, matchDeHandelsregister(i), DE_HANDELSREGISTER);
  if (a == 2 && (sp || dash || s == 46 || digit) && enabled(DE_VAT_ID)) tryAdd(i, matchDeVatId(i), DE_VAT_ID);
  if (a == 2 && (sp || digit)) {
    if (enabled(UK_NINO)) tryAdd(i, matchUkNino(i), UK_NINO);
    if (enabled(IT_IDENTITY_CARD)) tryAdd(i, matchItIdentityCard(i), IT_IDENTITY_CARD);
  }
  if (a <= 3 && (sp || dash || digit) && enabled(UK_VEHICLE_REGISTRATION)) tryAdd(i, matchUkVehicle(i), UK_VEHICLE_REGISTRATION);
  if (!digit) return;
  // letters then a digit
  if (a <= 2 && enabled(DE_FUEHRERSCHEIN)) tryAdd(i, matchDeFuehrerschein(i), DE_FUEHRERSCHEIN);
  if (a <= 8) {
    if (enabled(DE_ID_CARD)) tryAdd(i, matchDeIdCard(i), DE_ID_CARD);
    if (enabled(DE_PASSPORT)) tryAdd(i, matchDePassport(i), DE_PASSPORT);
  }
  if (a < 10 && enabled(IN_PAN)) tryAdd(i, matchInPan(i), IN_PAN);
  if (a <= 5 && enabled(UK_DRIVING_LICENCE)) tryAdd(i, matchUkDrivingLicence(i), UK_DRIVING_LICENCE);
  if (a == 1) {
    if (enabled(DE_HEALTH_INSURANCE)) tryAdd(i, matchDeHealthInsurance(i), DE_HEALTH_INSURANCE);
    if (enabled(IN_PASSPORT)) tryAdd(i, matchInPassport(i), IN_PASSPORT);
    if (enabled(KR_PASSPORT)) tryAdd(i, matchKrPassport(i), KR_PASSPORT);
    if (enabled(SG_NRIC_FIN)) tryAdd(i, matchSgNric(i), SG_NRIC_FIN);
    if (enabled(SG_UEN)) tryAdd(i, matchSgUenLetters(i), SG_UEN);
    if (enabled(US_DRIVER_LICENSE)) tryAdd(i, matchUsDriverLicense(i), US_DRIVER_LICENSE);
    if (enabled(US_PASSPORT)) tryAdd(i, matchUsPassportLetter(i), US_PASSPORT);
    if (enabled(MEDICAL_LICENSE)) tryAdd(i, matchMedicalLicense(i), MEDICAL_LICENSE);
  }
  if (a == 2) {
    if (enabled(IT_DRIVER_LICENSE)) tryAdd(i, matchItDriverLicense(i), IT_DRIVER_LICENSE);
    if (enabled(IT_PASSPORT)) tryAdd(i, matchItPassport(i), IT_PASSPORT);
    if (enabled(MEDICAL_LICENSE)) tryAdd(i, matchMedicalLicense(i), MEDICAL_LICENSE);
    if (enabled(UK_PASSPORT)) tryAdd(i, matchUkPassport(i), UK_PASSPORT);
  }
  if ((a == 1 || a == 2) && enabled(UK_POSTCODE)) tryAdd(i, matchUkPostcode(i), UK_POSTCODE);
  if ((a == 2 || a == 3) && enabled(IN_VEHICLE_REGISTRATION)) tryAdd(i, matchInVehicle(i), IN_VEHICLE_REGISTRATION);
  if (a == 3) {
    if (enabled(ES_PASSPORT)) tryAdd(i, matchEsPassport(i), ES_PASSPORT);
    if (enabled(IN_VOTER)) tryAdd(i, matchInVoter(i), IN_VOTER);
  }
  if (a == 6 && enabled(IT_FISCAL_CODE)) tryAdd(i, matchItFiscalCode(i), IT_FISCAL_CODE);
}

/** Whether any issue-22 type is on (the extra matchers are skipped otherwise). */
let moreDigitTypes = false;
let moreLetterTypes = false;
/** Whether a type is on whose match can start with letters followed by a space and a digit
 *  (`HRB 123`, `YZ 61 48 68 B`, `ABC 123D`, `aa 1234567`, `HH AB 1234`, `DE 136695976`): then such
 *  a space is hot for the prose filter and such a word reaches atLetter. */
let spaceDigitWords = false;
function prepareTypes(): void {
  moreDigitTypes = false; moreLetterTypes = false;
  for (let t = ABA_ROUTING_NUMBER; t < BUILTIN_ENTITY_COUNT; t++) if (enabled(t)) { moreDigitTypes = true; moreLetterTypes = true; break; }
  spaceDigitWords = enabled(DE_HANDELSREGISTER) || enabled(UK_NINO) || enabled(UK_VEHICLE_REGISTRATION) ||
    enabled(IT_IDENTITY_CARD) || enabled(DE_KFZ) || enabled(DE_VAT_ID);
}

/** Whether a word whose letters run over [i, j) can be anything but plain prose. Plain words,
 *  most of any prompt, skip every letter-started matcher but the AWS key id (AKIA + 16 letters).
 *  The letters must be followed by a digit, or by one of . : - _ + / (domains, schemes, keys,
 *  tokens, IPv6) that is itself followed by more than whitespace: every letter-started matcher
 *  needs at least one more non-space byte after such a separator (`host.tld`, `scheme://`,
 *  `sk-` + key, `gh?_` + token, `eyJ...` + `.part`, `ab:cd` / `ab::`), so the commonest case,
 *  a word ending a sentence or clause ("... budget. Then", "note: "), is skipped too. */
@inline function letterWordMayMatch(j: i32): bool {
  if (j >= N) return false;
  const d = <i32>load<u8>(T + <usize>j);
  const k = classOf(d);
  if (k & CLASS_DIGIT) return true;
  if (d == 32) return spaceDigitWords && isDigit(ch(j + 1));
  return (k & CLASS_FOLLOW) != 0 && ch(j + 1) > 32;
}

/** End of the run of bytes from j that have any of the class bits (the first without, or N). */
@inline function runEnd(j: i32, bits: u8): i32 {
  while (j < N && (classOf(<i32>load<u8>(T + <usize>j)) & bits) != 0) j++;
  return j;
}

/** At a word starting with a letter at i that letterWordMayMatch lets through. */
function atLetter(i: i32, c: i32): void {
  if (enabled(IBAN_CODE)) tryAdd(i, matchIban(i), IBAN_CODE);
  if (enabled(ES_NIE)) tryAdd(i, matchNie(i), ES_NIE);
  if (enabled(URL) || enabled(URL_WITH_CREDENTIALS)) {
    const end = matchSchemeUrl(i);
    const type = urlHasCredentials ? URL_WITH_CREDENTIALS : URL;
    if (end > 0 && enabled(type)) accept(i, end, type);
    else if (end == 0 && enabled(URL)) tryAdd(i, matchBareDomain(i), URL);
  }
  if (enabled(AWS_ACCESS_KEY) && c == 65) tryAdd(i, matchAwsKey(i), AWS_ACCESS_KEY);
  if (enabled(API_KEY) && c == 115) tryAdd(i, matchApiKey(i), API_KEY);
  if (enabled(GITHUB_TOKEN) && c == 103) tryAdd(i, matchGithubToken(i), GITHUB_TOKEN);
  if (enabled(JWT) && c == 101) tryAdd(i, matchJwt(i), JWT);
  if (enabled(CRYPTO) && c == 98) tryAdd(i, matchBech32Address(i), CRYPTO);
  if (enabled(IP_ADDRESS) && isHex(c)) tryAdd(i, matchIpv6(i), IP_ADDRESS);
  if (moreLetterTypes) atLetterMore(i, c);
}

export function detect(): void {
  const emails = enabled(EMAIL_ADDRESS), keys = enabled(PRIVATE_KEY);
  prepareTypes();
  resetGroups();
  const spaceHot = spaceDigitWords;
  let wasWord = false; // whether the byte before i is a word byte
  let i = 0;
  let scalarUntil = 0; // below it, the loop goes word by word: up to and past a hot byte
  while (i < N) {
    if (i >= scalarUntil && i + 17 <= N) {
      // Plain prose, 16 bytes at a time (prose.ts says why cold bytes need nothing): jump to
      // just after the last non-letter before the first hot byte. The letters after it start
      // a word whose fate depends on what follows, so the next step looks at them.
      const p = T + <usize>i;
      const hot = hotMask(p, spaceHot);
      const cold = hot != 0 ? ctz(hot) : 16; // bytes [i, i + cold) are cold
      const nonLetters = ~letterMask(p) & ((1 << cold) - 1);
      if (nonLetters != 0) {
        const from = i;
        i += 32 - clz(nonLetters);
        wasWord = (classOf(<i32>load<u8>(T + <usize>(i - 1))) & CLASS_WORD) != 0;
        if (cold == 16) continue; // no hot byte: the trailing letters go through the filter again
        scalarUntil = from + cold + 1;
      } else if (cold == 16 && wasWord) {
        i += 16; // inside a long word that started earlier
        continue;
      } else scalarUntil = i + cold + 1;
    }
    const c = <i32>load<u8>(T + <usize>i);
    const k = classOf(c);
    if (k & CLASS_WORD) {
      // Only a word's first byte starts matches, and no byte inside a word is a trigger
      // (`@` and `-` are not word bytes): each word is passed over in one go. The letters of
      // a letter-started word are scanned once, for atLetter and for the skip; the rest of the
      // word (a digit, `_`, UTF-8) is then skipped as a word continued.
      let j: i32;
      if (wasWord) j = runEnd(i + 1, CLASS_WORD);
      else if (k & CLASS_ALPHA) {
        j = runEnd(i + 1, CLASS_ALPHA);
        if (letterWordMayMatch(j)) {
          // letters, a space, a digit: only issue 22's types (`HRB 123`, `ABC 123D`) start so
          if (load<u8>(T + <usize>j) == 32) atLetterMore(i, c); else atLetter(i, c);
        }
        else if (c == 65 && enabled(AWS_ACCESS_KEY)) tryAdd(i, matchAwsKey(i), AWS_ACCESS_KEY);
      } else {
        if (k & CLASS_DIGIT) atDigit(i, c);
        j = runEnd(i + 1, CLASS_WORD);
      }
      i = j;
      wasWord = true;
      continue;
    }
    const afterWord = wasWord;
    wasWord = false;
    if (c == 64) {
      if (emails) {
        const end = matchEmailAt(i);
        if (end) accept(matchStart, end, EMAIL_ADDRESS);
      }
    } else if (c == 45) {
      if (keys && ch(i + 1) == 45) {
        const end = matchPrivateKey(i);
        if (end) { accept(i, end, PRIVATE_KEY); i = end; continue; }
      }
    } else if (!afterWord) {
      if (c == 43) {
        if (enabled(PHONE_NUMBER)) tryAdd(i, matchInternational(i), PHONE_NUMBER);
        if (enabled(TR_PHONE_NUMBER)) tryAdd(i, matchTrPhone(i), TR_PHONE_NUMBER);
        if (enabled(PH_MOBILE_NUMBER)) tryAdd(i, matchPhMobile(i), PH_MOBILE_NUMBER);
      } else if (c == 40) {
        if (enabled(PHONE_NUMBER)) tryAdd(i, matchNationalPhone(i), PHONE_NUMBER);
        if (enabled(TR_PHONE_NUMBER)) tryAdd(i, matchTrPhone(i), TR_PHONE_NUMBER);
      }
      else if (c == 58) { if (enabled(IP_ADDRESS)) tryAdd(i, matchIpv6(i), IP_ADDRESS); }
    }
    i++;
  }
  detectCustom(); // policies.pii.custom: one pass per enabled custom type (custom.ts)
}
