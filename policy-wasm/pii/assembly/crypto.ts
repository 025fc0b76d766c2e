// Bitcoin addresses: legacy/P2SH (Base58Check: 25 bytes, the last 4 = sha256d of the first 21)
// and segwit (bech32 / bech32m checksum over hrp "bc").
import { ch, isWord } from "./text";
import { sha256Short } from "./sha256";

const ALPHABET58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const DECODED = new StaticArray<u8>(25);
const DIGEST = new StaticArray<u8>(32);
const DIGEST2 = new StaticArray<u8>(32);
const VALUE58 = new StaticArray<i8>(128);
const VALUE32 = new StaticArray<i8>(128);
const BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
let tablesReady = false;

function initTables(): void {
  for (let k = 0; k < 128; k++) { unchecked(VALUE58[k] = -1); unchecked(VALUE32[k] = -1); }
  for (let k = 0; k < 58; k++) unchecked(VALUE58[ALPHABET58.charCodeAt(k)] = <i8>k);
  for (let k = 0; k < 32; k++) unchecked(VALUE32[BECH32.charCodeAt(k)] = <i8>k);
  tablesReady = true;
}

@inline function value58(c: i32): i32 { return c >= 0 && c < 128 ? <i32>unchecked(VALUE58[c]) : -1; }
@inline function value32(c: i32): i32 { return c >= 0 && c < 128 ? <i32>unchecked(VALUE32[c]) : -1; }

/** Base58Check address starting with 1 or 3 at i. */
export function matchBase58Address(i: i32): i32 {
  if (!tablesReady) initTables();
  let j = i;
  while (value58(ch(j)) >= 0) j++;
  const n = j - i;
  if (n < 26 || n > 35 || isWord(ch(j))) return 0;
  const out = changetype<usize>(DECODED);
  memory.fill(out, 0, 25);
  for (let p = i; p < j; p++) {
    let carry = value58(ch(p));
    for (let b = 24; b >= 0; b--) {
      carry += 58 * <i32>load<u8>(out + <usize>b);
      store<u8>(out + <usize>b, <u8>carry);
      carry >>= 8;
    }
    if (carry != 0) return 0; // more than 25 bytes
  }
  const d1 = changetype<usize>(DIGEST), d2 = changetype<usize>(DIGEST2);
  sha256Short(out, 21, d1);
  sha256Short(d1, 32, d2);
  return load<u32>(d2) == load<u32>(out + 21) ? j : 0;
}

function polymodStep(chk: u32, v: u32): u32 {
  const top = chk >> 25;
  chk = ((chk & 0x1ffffff) << 5) ^ v;
  if (top & 1) chk ^= 0x3b6a57b2;
  if (top & 2) chk ^= 0x26508e6d;
  if (top & 4) chk ^= 0x1ea119fa;
  if (top & 8) chk ^= 0x3d4233dd;
  if (top & 16) chk ^= 0x2a1462b3;
  return chk;
}

/** Segwit address `bc1...` (lower case) at i, bech32 or bech32m checksum. */
export function matchBech32Address(i: i32): i32 {
  if (!tablesReady) initTables();
  if (ch(i) != 98 || ch(i + 1) != 99 || ch(i + 2) != 49) return 0;
  let j = i + 3;
  while (value32(ch(j)) >= 0) j++;
  const n = j - i;
  if (n < 14 || n > 74 || isWord(ch(j))) return 0;
  // hrp expansion of "bc": high bits, 0, low bits
  let chk: u32 = 1;
  chk = polymodStep(chk, 98 >> 5); chk = polymodStep(chk, 99 >> 5);
  chk = polymodStep(chk, 0);
  chk = polymodStep(chk, 98 & 31); chk = polymodStep(chk, 99 & 31);
  for (let p = i + 3; p < j; p++) chk = polymodStep(chk, <u32>value32(ch(p)));
  return chk == 1 || chk == 0x2bc830a3 ? j : 0;
}
