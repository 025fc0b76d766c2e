// Network identifiers: IPv4 / IPv6 (with CIDR, zone, embedded IPv4), email addresses, URLs
// (Presidio-style: scheme URLs and bare domains with a known TLD), URLs carrying credentials,
// and MAC addresses.
import { ch, N, isDigit, isAlpha, isAlnum, isHex, isWord, lower, digitRun } from "./text";

/** Start of the last match, for matchers whose match begins before the trigger position. */
export let matchStart: i32 = 0;
/** Whether the last URL match carried a password in its userinfo. */
export let urlHasCredentials: bool = false;

/** Dotted quad at i, each octet <= 255; returns its end or 0 (no boundary checks). */
function parseIpv4(i: i32): i32 {
  let j = i;
  for (let octet = 0; octet < 4; octet++) {
    const n = digitRun(j);
    if (n == 0 || n > 3) return 0;
    let v = 0;
    for (let k = 0; k < n; k++) v = v * 10 + (ch(j + k) - 48);
    if (v > 255) return 0;
    j += n;
    if (octet < 3) {
      if (ch(j) != 46) return 0;
      j++;
    }
  }
  return j;
}

/** `/n` with n <= max at j: the end after it, or j. */
function cidr(j: i32, max: i32): i32 {
  if (ch(j) != 47) return j;
  const n = digitRun(j + 1);
  if (n == 0 || n > 3 || isWord(ch(j + 1 + n))) return j;
  let v = 0;
  for (let k = 0; k < n; k++) v = v * 10 + (ch(j + 1 + k) - 48);
  return v <= max ? j + 1 + n : j;
}

/** A dotted quad; inside a longer dotted run (`10.0.0.1.5`, `v.1.2.3.4`) the first four
 *  numbers that make an address are read as one, as a reader (and Presidio's \b-bounded
 *  pattern) would; an overlapping quad later in the run loses to it in resolve(). */
export function matchIpv4(i: i32): i32 {
  if (isWord(ch(i - 1))) return 0;
  const end = parseIpv4(i);
  if (!end || isWord(ch(end))) return 0;
  return cidr(end, 32);
}

export function matchIpv6(i: i32): i32 {
  const p = ch(i - 1);
  if (isWord(p) || p == 58) return 0;
  let j = i, groups = 0, compressed = false;
  if (ch(j) == 58) {
    if (ch(j + 1) != 58) return 0;
    compressed = true; j += 2;
  }
  while (true) {
    let h = 0;
    while (h < 5 && isHex(ch(j + h))) h++;
    if (h == 0) break;
    if (ch(j + h) == 46 && h <= 3 && isDigit(ch(j + h + 1))) { // embedded IPv4 ends the address
      const end = parseIpv4(j);
      if (end && groups <= 6) { groups += 2; j = end; break; }
      if (groups > 6 || !end) return 0;
    }
    if (h > 4) return 0;
    groups++; j += h;
    if (ch(j) == 58 && ch(j + 1) == 58) {
      if (compressed) return 0;
      compressed = true; j += 2;
      continue;
    }
    if (ch(j) == 58 && isHex(ch(j + 1))) { j++; continue; }
    break;
  }
  if (compressed ? groups > 7 : groups != 8) return 0;
  if (ch(j) == 37 && isAlnum(ch(j + 1))) { // zone id: fe80::1%eth0
    j++;
    while (isAlnum(ch(j))) j++;
  }
  const c = ch(j);
  if (isWord(c) || c == 58 || (c == 46 && isDigit(ch(j + 1)))) return 0;
  return cidr(j, 128);
}

@inline function isLocalPart(c: i32): bool { return isAlnum(c) || c == 46 || c == 95 || c == 37 || c == 43 || c == 45; }
@inline function isLabel(c: i32): bool { return isAlnum(c) || c == 45; }

/** Labels separated by dots from i; returns the end; sets lastLabel and labelCount. */
let lastLabel: i32 = 0;
let labelCount: i32 = 0;
function domainEnd(i: i32): i32 {
  let j = i;
  labelCount = 0;
  while (true) {
    const start = j;
    while (isLabel(ch(j))) j++;
    if (j == start) { j = start - 1; break; } // a trailing dot is not part of the domain
    labelCount++;
    lastLabel = start;
    if (ch(j) == 46 && isLabel(ch(j + 1))) { j++; continue; }
    break;
  }
  return j;
}

// Generic TLDs worth recognising in prose; every ISO 3166 two-letter code is accepted too.
const GENERIC_TLDS = " com net org edu gov mil int info biz name pro io ai app dev site online store tech xyz club live blog shop cloud webcam email news media agency digital network systems company world today life global host services academy center tv me co ";
const COUNTRY_TLDS = " ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw ";

// The lists as tables, built once at start (knownTld runs for every dotted word and used to
// scan the whole list string): a flag per two-letter code, and each generic name's offset and
// length in GENERIC_TLDS, compared only when the length matches.
const COUNTRY = new StaticArray<bool>(26 * 26);
const GENERIC_AT = new StaticArray<i32>(64);
const GENERIC_LEN = new StaticArray<i32>(64);
let genericCount = 0;
function initTlds(): void {
  for (let k = 0; k < COUNTRY_TLDS.length; k++) {
    if (COUNTRY_TLDS.charCodeAt(k) == 32 || COUNTRY_TLDS.charCodeAt(k + 2) != 32) continue;
    unchecked(COUNTRY[(COUNTRY_TLDS.charCodeAt(k) - 97) * 26 + COUNTRY_TLDS.charCodeAt(k + 1) - 97] = true);
    k += 2;
  }
  for (let k = 0; k < GENERIC_TLDS.length; k++) {
    if (GENERIC_TLDS.charCodeAt(k) == 32) continue;
    let e = k;
    while (GENERIC_TLDS.charCodeAt(e) != 32) e++;
    GENERIC_AT[genericCount] = k; GENERIC_LEN[genericCount] = e - k; genericCount++;
    k = e;
  }
}
initTlds();

function knownTld(from: i32, to: i32): bool {
  const n = to - from;
  for (let q = from; q < to; q++) if (!isAlpha(ch(q))) return false;
  if (n == 2) return unchecked(COUNTRY[(lower(ch(from)) - 97) * 26 + lower(ch(from + 1)) - 97]);
  if (n <= 2 || n > 12) return false;
  for (let g = 0; g < genericCount; g++) {
    if (unchecked(GENERIC_LEN[g]) != n) continue;
    const at = unchecked(GENERIC_AT[g]);
    let same = true;
    for (let q = 0; q < n; q++) if (GENERIC_TLDS.charCodeAt(at + q) != lower(ch(from + q))) { same = false; break; }
    if (same) return true;
  }
  return false;
}

/** `@` at k: the local part before it, a dotted domain after it with an alphabetic or
 *  punycode (xn--) top-level label. */
export function matchEmailAt(k: i32): i32 {
  let s = k;
  while (s > 0 && isLocalPart(ch(s - 1))) s--;
  while (s < k && ch(s) == 46) s++;
  if (s == k) return 0;
  const end = domainEnd(k + 1);
  if (labelCount < 2 || ch(end) == 64) return 0;
  const tldLen = end - lastLabel;
  let ok = tldLen >= 2;
  if (ch(lastLabel) == 120 && ch(lastLabel + 1) == 110 && ch(lastLabel + 2) == 45 && ch(lastLabel + 3) == 45) ok = tldLen >= 5;
  else for (let q = lastLabel; q < end; q++) if (!isAlpha(ch(q))) { ok = false; break; }
  if (!ok) return 0;
  matchStart = s;
  return end;
}

@inline function endsUrl(c: i32): bool {
  return c <= 32 || c == 34 || c == 39 || c == 60 || c == 62 || c == 96 || c == 123 || c == 125 || c == 124 || c == 92;
}

/** Path, query and fragment from j; trailing sentence punctuation is not part of the URL. */
function urlTail(j: i32): i32 {
  const c = ch(j);
  if (c != 47 && c != 63 && c != 35) return j;
  while (j < N && !endsUrl(ch(j))) j++;
  while (true) {
    const t = ch(j - 1);
    if (t == 46 || t == 44 || t == 59 || t == 58 || t == 33 || t == 63 || t == 41 || t == 93) j--; else break;
  }
  return j;
}

/** `scheme://[user[:password]@]host[:port][/path]` at a word start. http(s)/ftp URLs need a
 *  host with a known TLD or an IPv4 address; any scheme counts when a password is present
 *  (postgres://user:pw@db, redis://:pw@host). Sets urlHasCredentials. */
export function matchSchemeUrl(i: i32): i32 {
  let j = i;
  while (isAlnum(ch(j)) || ch(j) == 43 || ch(j) == 46 || ch(j) == 45) j++;
  if (j == i || j - i > 16 || ch(j) != 58 || ch(j + 1) != 47 || ch(j + 2) != 47 || !isAlpha(ch(i))) return 0;
  const web = (j - i == 4 && lower(ch(i)) == 104) || (j - i == 5 && lower(ch(i)) == 104 && lower(ch(i + 4)) == 115) || (j - i == 3 && lower(ch(i)) == 102);
  const authority = j + 3;
  // find the end of the authority and the last '@' in it
  let k = authority, at = -1;
  while (k < N) {
    const c = ch(k);
    if (c == 47 || c == 63 || c == 35 || endsUrl(c)) break;
    if (c == 64) at = k;
    k++;
  }
  urlHasCredentials = false;
  let host = authority;
  if (at >= 0) {
    for (let q = authority; q < at; q++) if (ch(q) == 58) { urlHasCredentials = true; break; }
    host = at + 1;
  }
  if (!urlHasCredentials && !web) return 0;
  let hostEnd: i32;
  if (ch(host) == 91) { // [ipv6]
    hostEnd = host + 1;
    while (hostEnd < k && ch(hostEnd) != 93) hostEnd++;
    if (hostEnd >= k) return 0;
    hostEnd++;
  } else {
    const v4 = isDigit(ch(host)) ? parseIpv4(host) : 0;
    hostEnd = v4 ? v4 : domainEnd(host);
    if (hostEnd <= host) return 0;
    if (!v4 && !urlHasCredentials && (labelCount < 2 || !knownTld(lastLabel, hostEnd))) return 0;
  }
  let end = hostEnd;
  if (ch(end) == 58 && isDigit(ch(end + 1))) end += 1 + digitRun(end + 1);
  if (end != k && !(urlHasCredentials && end < k)) return 0;
  return urlTail(k);
}

/** A bare domain (`microsoft.com`, `google.co.il`, `example.org/path`) at a word start. */
export function matchBareDomain(i: i32): i32 {
  const p = ch(i - 1);
  if (p == 46 || p == 64 || p == 47 || p == 45 || !isAlnum(ch(i))) return 0;
  const end = domainEnd(i);
  if (labelCount < 2 || !knownTld(lastLabel, end)) return 0;
  const c = ch(end);
  if (isWord(c) || c == 64 || c == 45) return 0;
  return urlTail(end);
}

/** MAC address: 6 hex pairs joined by `:` or `-` (one kind), or 3 groups of 4 joined by `.`;
 *  all-zero and broadcast addresses are not a device. */
export function matchMac(i: i32): i32 {
  if (isWord(ch(i - 1))) return 0;
  let end = 0;
  const s = ch(i + 2);
  if ((s == 58 || s == 45) && isHex(ch(i)) && isHex(ch(i + 1))) {
    for (let g = 0; g < 6; g++) {
      const p = i + g * 3;
      if (!isHex(ch(p)) || !isHex(ch(p + 1))) return 0;
      if (g < 5 && ch(p + 2) != s) return 0;
    }
    end = i + 17;
  } else if (ch(i + 4) == 46) {
    for (let g = 0; g < 3; g++) {
      const p = i + g * 5;
      for (let k = 0; k < 4; k++) if (!isHex(ch(p + k))) return 0;
      if (g < 2 && ch(p + 4) != 46) return 0;
    }
    end = i + 14;
  } else return 0;
  if (isWord(ch(end)) || ((ch(end) == 58 || ch(end) == 45 || ch(end) == 46) && isHex(ch(end + 1)))) return 0;
  let zero = true, ones = true;
  for (let p = i; p < end; p++) {
    const c = lower(ch(p));
    if (!isHex(c)) continue;
    if (c != 48) zero = false;
    if (c != 102) ones = false;
  }
  return zero || ones ? 0 : end;
}
