// Credentials: AWS access key ids, OpenAI / Anthropic style keys (sk-...), GitHub tokens, JWTs
// and PEM private key blocks. Shapes follow the vendors' published formats (gitleaks-style).
import { ch, N, isAlnum, isUpper, isDigit, isWord, startsWith } from "./text";

@inline function isKeyChar(c: i32): bool { return isAlnum(c) || c == 95 || c == 45; }

/** AKIA / ASIA / ABIA / ACCA + 16 upper-case letters or digits. */
export function matchAwsKey(i: i32): i32 {
  if (!(startsWith(i, "AKIA") || startsWith(i, "ASIA") || startsWith(i, "ABIA") || startsWith(i, "ACCA"))) return 0;
  for (let k = 4; k < 20; k++) {
    const c = ch(i + k);
    if (!(isUpper(c) || isDigit(c))) return 0;
  }
  return isWord(ch(i + 20)) ? 0 : i + 20;
}

/** sk-..., sk-proj-..., sk-ant-api03-...: `sk-` and at least 20 key characters. */
export function matchApiKey(i: i32): i32 {
  if (!startsWith(i, "sk-")) return 0;
  let j = i + 3;
  while (isKeyChar(ch(j))) j++;
  return j - i - 3 >= 20 ? j : 0;
}

/** ghp_ / gho_ / ghu_ / ghs_ / ghr_ + 36 alphanumerics, or github_pat_ + 22 or more. */
export function matchGithubToken(i: i32): i32 {
  if (startsWith(i, "github_pat_")) {
    let j = i + 11;
    while (isAlnum(ch(j)) || ch(j) == 95) j++;
    return j - i - 11 >= 22 ? j : 0;
  }
  if (ch(i) != 103 || ch(i + 1) != 104 || ch(i + 3) != 95) return 0;
  const kind = ch(i + 2);
  if (!(kind == 112 || kind == 111 || kind == 117 || kind == 115 || kind == 114)) return 0;
  let j = i + 4;
  while (isAlnum(ch(j))) j++;
  return j - i - 4 >= 36 && !isWord(ch(j)) ? j : 0;
}

/** header.payload.signature, base64url, the header starting with `eyJ` (`{"`). */
export function matchJwt(i: i32): i32 {
  if (!startsWith(i, "eyJ")) return 0;
  let j = i;
  for (let part = 0; part < 3; part++) {
    const start = j;
    while (isAlnum(ch(j)) || ch(j) == 95 || ch(j) == 45) j++;
    if (j - start < (part == 2 ? 8 : 10)) return 0;
    if (part < 2) {
      if (ch(j) != 46) return 0;
      j++;
    }
  }
  return j;
}

/** -----BEGIN ... PRIVATE KEY----- through the matching END line (or the end of the text). */
export function matchPrivateKey(i: i32): i32 {
  if (!startsWith(i, "-----BEGIN ")) return 0;
  let j = i + 11;
  while (j < N && j - i < 64 && ch(j) != 45 && ch(j) != 10) j++;
  if (!(j >= i + 22 && startsWith(j - 11, "PRIVATE KEY") && startsWith(j, "-----"))) return 0;
  for (let k = j + 5; k + 9 <= N; k++) {
    if (ch(k) == 45 && startsWith(k, "-----END ")) {
      let e = k + 9;
      while (e < N && ch(e) != 45 && ch(e) != 10) e++;
      return startsWith(e, "-----") ? e + 5 : e;
    }
  }
  return N;
}
