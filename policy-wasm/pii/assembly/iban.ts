// IBAN: country code, two check digits, the country's BBAN structure (SWIFT IBAN registry:
// n = digits, a = upper-case letters, c = upper-case letters or digits) and the ISO 7064
// mod-97 check. Groups may be separated by single spaces or dashes (one kind per IBAN).
import { ch, isUpper, isDigit, isAlnum } from "./text";

// "CCbban;" entries: country code, then the BBAN structure as count+class pairs.
const REGISTRY =
  "AD8n12c;AE19n;AL8n16c;AT16n;AZ4a20c;BA16n;BE12n;BG4a6n8c;BH4a14c;BI23n;BR23n1a1c;BY4c4n16c;" +
  "CH5n12c;CR18n;CY8n16c;CZ20n;DE18n;DJ23n;DK14n;DO4c20n;EE16n;EG25n;ES20n;FI14n;FK2a12n;FO14n;" +
  "FR10n11c2n;GB4a14n;GE2a16n;GI4a15c;GL14n;GR7n16c;GT4c20c;HN4a20n;HR17n;HU24n;IE4a14n;IL19n;" +
  "IQ4a15n;IS22n;IT1a10n12c;JO4a4n18c;KW4a22c;KZ3n13c;LB4n20c;LC4a24c;LI5n12c;LT16n;LU3n13c;" +
  "LV4a13c;LY21n;MC10n11c2n;MD2c18c;ME18n;MK3n10c2n;MN16n;MR23n;MT4a5n18c;MU4a19n3a;NI4a20n;" +
  "NL4a10n;NO11n;OM3n16c;PK4a16c;PL24n;PS4a21c;PT21n;QA4a21c;RO4a16c;RS18n;RU9n5n15c;SA2n18c;" +
  "SC4a20n3a;SD14n;SE20n;SI15n;SK20n;SM1a10n12c;SO19n;ST21n;SV4a20n;TL19n;TN20n;TR5n17c;" +
  "UA6n19c;VA18n;VG4a16n;XK16n;YE4a4n18c;";

const CHARS = new StaticArray<u8>(40);

/** Index of the country's structure in REGISTRY (just after the code), or -1. */
function structureOf(c0: i32, c1: i32): i32 {
  const n = REGISTRY.length;
  let k = 0;
  while (k < n) {
    if (REGISTRY.charCodeAt(k) == c0 && REGISTRY.charCodeAt(k + 1) == c1) return k + 2;
    while (REGISTRY.charCodeAt(k) != 59) k++;
    k++;
  }
  return -1;
}

function bbanLength(at: i32): i32 {
  let total = 0, count = 0;
  for (let k = at; ; k++) {
    const c = REGISTRY.charCodeAt(k);
    if (c == 59) return total;
    if (isDigit(c)) count = count * 10 + (c - 48);
    else { total += count; count = 0; }
  }
  return total;
}

function bbanMatches(at: i32, chars: usize): bool {
  let pos: usize = 4, count = 0;
  for (let k = at; ; k++) {
    const c = REGISTRY.charCodeAt(k);
    if (c == 59) return true;
    if (isDigit(c)) { count = count * 10 + (c - 48); continue; }
    for (let q = 0; q < count; q++) {
      const b = <i32>load<u8>(chars + pos);
      pos++;
      if (c == 110 && !isDigit(b)) return false;
      if (c == 97 && !isUpper(b)) return false;
      if (c == 99 && !(isDigit(b) || isUpper(b))) return false;
    }
    count = 0;
  }
  return true;
}

function mod97(chars: usize, len: i32): i32 {
  let r = 0;
  for (let q = 0; q < len; q++) {
    const b = <i32>load<u8>(chars + <usize>((q + 4) % len));
    if (isDigit(b)) r = (r * 10 + (b - 48)) % 97;
    else r = (r * 100 + (b - 55)) % 97;
  }
  return r;
}

export function matchIban(i: i32): i32 {
  const c0 = ch(i), c1 = ch(i + 1);
  if (!isUpper(c0) || !isUpper(c1) || !isDigit(ch(i + 2)) || !isDigit(ch(i + 3))) return 0;
  const at = structureOf(c0, c1);
  if (at < 0) return 0;
  const len = 4 + bbanLength(at);
  const chars = changetype<usize>(CHARS);
  let j = i, got = 0, sep = 0;
  while (got < len) {
    const c = ch(j);
    if (isDigit(c) || isUpper(c)) { store<u8>(chars + <usize>got, <u8>c); got++; j++; continue; }
    if ((c == 32 || c == 45) && got > 0 && isAlnum(ch(j + 1))) {
      if (sep == 0) sep = c; else if (sep != c) return 0;
      j++;
      continue;
    }
    return 0;
  }
  if (isAlnum(ch(j))) return 0;
  if (!bbanMatches(at, chars)) return 0;
  return mod97(chars, len) == 1 ? j : 0;
}
