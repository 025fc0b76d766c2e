import { Role, type ChatRequest } from "../gen/sluice/v1/gateway_pb.js";

/** What the router slot is told about a prompt (RouterPromptFeatures). */
export interface PromptFeatures {
  /** UTF-16 code units of every text part of every message. */
  lengthChars: number;
  /** A code fence (``` or ~~~) anywhere, or at least two lines that look like code. */
  hasCode: boolean;
  /** User messages. */
  turns: number;
}

// Lines that read as code in the common languages: a declaration or keyword at the start of the
// line, or a line ending in `;`, `{` or `}`. One pass over the text, line by line (a regex over
// the whole prompt cost several times more; bench/RESULTS.md, "Figures behind code comments").
const CODE_START = /(?:def |class |import |from \S+ import |function |const |let |var |#include|package |public |private |fn |func |return\b|if \(|for \(|while \()/y;

export function looksLikeCode(text: string): boolean {
  if (text.includes("```") || text.includes("~~~")) return true;
  let lines = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let first = start;
    while (first < end && (text.charCodeAt(first) === 32 || text.charCodeAt(first) === 9)) first++;
    let last = end - 1;
    while (last > first && (text.charCodeAt(last) === 32 || text.charCodeAt(last) === 9 || text.charCodeAt(last) === 13)) last--;
    const c = text.charCodeAt(last);
    let code = last >= first && (c === 59 || c === 123 || c === 125); // ; { }
    if (!code && first < end) {
      CODE_START.lastIndex = first;
      code = CODE_START.test(text);
    }
    if (code && ++lines >= 2) return true;
    start = end + 1;
  }
  return false;
}

export function promptFeatures(request: ChatRequest): PromptFeatures {
  let lengthChars = 0;
  let hasCode = false;
  let turns = 0;
  for (const m of request.messages) {
    if (m.role === Role.USER) turns++;
    for (const p of m.content) {
      if (p.part.case !== "text") continue;
      lengthChars += p.part.value.length;
      if (!hasCode && looksLikeCode(p.part.value)) hasCode = true;
    }
  }
  return { lengthChars, hasCode, turns };
}
