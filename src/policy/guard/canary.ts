// The canary (as Rebuff does it): a random phrase per request, added to the system prompt. The
// model never needs it; if it shows up in the answer, the system prompt leaked. The phrase is
// 16 random hex digits (64 bits: it cannot appear by chance), matched case-insensitively.
// CanaryScanner looks for it in a streamed field whatever the chunking: it holds back the end
// of the text seen so far while that end could be the start of the canary, and removes every
// occurrence, so the canary never reaches the client (whole or split over chunks). A model that
// repeats its system prompt repeats the canary's wrapper too: the wrapper goes with the phrase,
// so a flagged or logged answer carries no empty `<!-- ref  -->` either.
import { randomBytes } from "node:crypto";

export function newCanary(): string {
  return randomBytes(8).toString("hex");
}

// The canary as the system prompt carries it: an HTML comment the model has no reason to repeat.
const OPEN = "<!-- ref ";
const CLOSE = " -->";

/** The system prompt with the canary added. */
export function withCanary(systemText: string, canary: string): string {
  return `${systemText}\n\n${OPEN}${canary}${CLOSE}`;
}

export class CanaryScanner {
  private held = "";
  /** Set once the canary was seen in this field. */
  leaked = false;
  private readonly whole: string;

  constructor(private readonly canary: string) {
    this.whole = OPEN + canary + CLOSE;
  }

  /** The part of `delta` (with what was held back before it) that can be sent now, canary removed. */
  push(delta: string): string {
    if (delta === "" && this.held === "") return "";
    const { text, from } = this.strip(this.held + delta, false);
    // hold back the longest end of the text that could start the canary or its wrapper (and
    // everything from `from` on: a canary whose wrapper's end may still come)
    let keep = Math.min(this.whole.length - 1, text.length);
    const lower = text.toLowerCase();
    while (keep > 0 && !this.couldStart(lower.slice(lower.length - keep))) keep--;
    const cut = Math.min(text.length - keep, from);
    this.held = text.slice(cut);
    return text.slice(0, cut);
  }

  /** What is still held back, canary removed (the answer ended). */
  flush(): string {
    const rest = this.strip(this.held, true).text;
    this.held = "";
    return rest;
  }

  /**
   * Every canary removed from `text`, with its wrapper where the wrapper is there. `from`: where
   * the first canary that could still be followed by the wrapper's end begins (its wrapper's
   * start): held back whole until the next chunk says (never at the end of the answer).
   */
  private strip(text: string, final: boolean): { text: string; from: number } {
    let lower = text.toLowerCase();
    const cut = (at: number, end: number) => {
      this.leaked = true;
      text = text.slice(0, at) + text.slice(end);
      lower = lower.slice(0, at) + lower.slice(end);
    };
    for (let at = lower.indexOf(this.canary); at >= 0; at = lower.indexOf(this.canary, at)) {
      const end = at + this.canary.length;
      const opened = at >= OPEN.length && lower.startsWith(OPEN, at - OPEN.length);
      const closed = lower.startsWith(CLOSE, end);
      if (opened && !closed && !final && CLOSE.startsWith(lower.slice(end))) return { text, from: at - OPEN.length };
      if (opened) at -= OPEN.length;
      cut(at, opened && closed ? end + CLOSE.length : end);
    }
    return { text, from: text.length };
  }

  private couldStart(end: string): boolean {
    return this.whole.startsWith(end) || this.canary.startsWith(end);
  }
}
