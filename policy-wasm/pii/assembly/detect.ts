// One pass over a text: at each word start, the matchers that can start with that byte; `@`
// and `-----BEGIN` are triggers inside words. Only enabled entity types are tried.
// Speed: runs of plain prose are skipped 16 bytes at a time (prose.ts), words one at a time, and
// a letter word only reaches the matchers when what follows its letters could make it a match.
import { T, N, ch, isHex, classOf, CLASS_WORD, CLASS_ALPHA, CLASS_DIGIT, CLASS_FOLLOW } from "./text";
import { addCandidate, matchScore, resetMatchScore } from "./candidates";
import { withContext } from "./contexts";
import { hotMask, letterMask } from "./prose";
import {
  enabled, BASE_SCORE, MIN_SCORE, EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, IP_ADDRESS, US_SSN, ES_NIF, ES_NIE,
  UK_NHS, CRYPTO, URL, URL_WITH_CREDENTIALS, AWS_ACCESS_KEY, API_KEY, GITHUB_TOKEN, JWT, PRIVATE_KEY,
} from "./entities";
import { matchCard, matchSsn, matchNhs, matchNif, matchNie } from "./numbers";
import { matchInternational, matchNationalPhone } from "./phone";
import { matchIpv4, matchIpv6, matchEmailAt, matchSchemeUrl, matchBareDomain, matchStart, urlHasCredentials } from "./network";
import { matchBase58Address, matchBech32Address } from "./crypto";
import { matchAwsKey, matchApiKey, matchGithubToken, matchJwt, matchPrivateKey } from "./secrets";
import { matchIban } from "./iban";

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
}

export function detect(): void {
  const emails = enabled(EMAIL_ADDRESS), keys = enabled(PRIVATE_KEY);
  let wasWord = false; // whether the byte before i is a word byte
  let i = 0;
  let scalarUntil = 0; // below it, the loop goes word by word: up to and past a hot byte
  while (i < N) {
    if (i >= scalarUntil && i + 17 <= N) {
      // Plain prose, 16 bytes at a time (prose.ts says why cold bytes need nothing): jump to
      // just after the last non-letter before the first hot byte. The letters after it start
      // a word whose fate depends on what follows, so the next step looks at them.
      const p = T + <usize>i;
      const hot = hotMask(p);
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
        if (letterWordMayMatch(j)) atLetter(i, c);
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
      if (c == 43) { if (enabled(PHONE_NUMBER)) tryAdd(i, matchInternational(i), PHONE_NUMBER); }
      else if (c == 40) { if (enabled(PHONE_NUMBER)) tryAdd(i, matchNationalPhone(i), PHONE_NUMBER); }
      else if (c == 58) { if (enabled(IP_ADDRESS)) tryAdd(i, matchIpv6(i), IP_ADDRESS); }
    }
    i++;
  }
}
