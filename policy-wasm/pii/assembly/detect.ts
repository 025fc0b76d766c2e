// One pass over a text: at each word start, the matchers that can start with that byte; `@`
// and `-----BEGIN` are triggers inside words. Only enabled entity types are tried.
import { T, N, ch, isDigit, isAlpha, isWord, isHex } from "./text";
import { addCandidate } from "./candidates";
import {
  enabled, EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, IP_ADDRESS, US_SSN, ES_NIF, ES_NIE,
  UK_NHS, CRYPTO, URL, URL_WITH_CREDENTIALS, AWS_ACCESS_KEY, API_KEY, GITHUB_TOKEN, JWT, PRIVATE_KEY,
} from "./entities";
import { matchCard, matchSsn, matchNhs, matchNif, matchNie } from "./numbers";
import { matchInternational, matchNationalPhone } from "./phone";
import { matchIpv4, matchIpv6, matchEmailAt, matchSchemeUrl, matchBareDomain, matchStart, urlHasCredentials } from "./network";
import { matchBase58Address, matchBech32Address } from "./crypto";
import { matchAwsKey, matchApiKey, matchGithubToken, matchJwt, matchPrivateKey } from "./secrets";
import { matchIban } from "./iban";

@inline function tryAdd(start: i32, end: i32, type: i32): void {
  if (end > start) addCandidate(start, end, type);
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
}

/** Whether a word starting at i can be anything but plain prose: it has a digit, or is
 *  followed by one of . : - _ + / (domains, schemes, keys, tokens, IPv6). Plain words, most of
 *  any prompt, skip every letter-started matcher but the AWS key id (AKIA + 16 letters). */
function wordMayMatch(i: i32): bool {
  let j = i + 1;
  while (true) {
    const d = ch(j);
    if (isDigit(d)) return true;
    if (!isAlpha(d)) return d == 46 || d == 58 || d == 45 || d == 95 || d == 43 || d == 47;
    j++;
  }
  return false;
}

function atLetter(i: i32, c: i32): void {
  if (!wordMayMatch(i)) {
    if (enabled(AWS_ACCESS_KEY) && c == 65) tryAdd(i, matchAwsKey(i), AWS_ACCESS_KEY);
    return;
  }
  if (enabled(IBAN_CODE)) tryAdd(i, matchIban(i), IBAN_CODE);
  if (enabled(ES_NIE)) tryAdd(i, matchNie(i), ES_NIE);
  if (enabled(URL) || enabled(URL_WITH_CREDENTIALS)) {
    const end = matchSchemeUrl(i);
    const type = urlHasCredentials ? URL_WITH_CREDENTIALS : URL;
    if (end > 0 && enabled(type)) addCandidate(i, end, type);
    else if (end == 0 && enabled(URL)) tryAdd(i, matchBareDomain(i), URL);
  }
  if (enabled(AWS_ACCESS_KEY) && c == 65) tryAdd(i, matchAwsKey(i), AWS_ACCESS_KEY);
  if (enabled(API_KEY) && c == 115) tryAdd(i, matchApiKey(i), API_KEY);
  if (enabled(GITHUB_TOKEN) && c == 103) tryAdd(i, matchGithubToken(i), GITHUB_TOKEN);
  if (enabled(JWT) && c == 101) tryAdd(i, matchJwt(i), JWT);
  if (enabled(CRYPTO) && c == 98) tryAdd(i, matchBech32Address(i), CRYPTO);
  if (enabled(IP_ADDRESS) && isHex(c)) tryAdd(i, matchIpv6(i), IP_ADDRESS);
}

export function detect(): void {
  const emails = enabled(EMAIL_ADDRESS), keys = enabled(PRIVATE_KEY);
  let prevWord = false;
  for (let i = 0; i < N; i++) {
    const c = <i32>load<u8>(T + <usize>i);
    const wasWord = prevWord;
    prevWord = isWord(c);
    if (c == 64) {
      if (emails) {
        const end = matchEmailAt(i);
        if (end) addCandidate(matchStart, end, EMAIL_ADDRESS);
      }
      continue;
    }
    if (c == 45) {
      if (keys && ch(i + 1) == 45) {
        const end = matchPrivateKey(i);
        if (end) { addCandidate(i, end, PRIVATE_KEY); i = end - 1; prevWord = false; }
      }
      continue;
    }
    if (wasWord) continue;
    if (isDigit(c)) atDigit(i, c);
    else if (isAlpha(c)) atLetter(i, c);
    else if (c == 43) { if (enabled(PHONE_NUMBER)) tryAdd(i, matchInternational(i), PHONE_NUMBER); }
    else if (c == 40) { if (enabled(PHONE_NUMBER)) tryAdd(i, matchNationalPhone(i), PHONE_NUMBER); }
    else if (c == 58) { if (enabled(IP_ADDRESS)) tryAdd(i, matchIpv6(i), IP_ADDRESS); }
  }
}
