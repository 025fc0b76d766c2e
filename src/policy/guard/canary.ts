// The canary (as Rebuff does it): a random phrase per request, added to the system prompt. The
// model never needs it; if it shows up in the answer, the system prompt leaked. The phrase is
// 16 random hex digits (64 bits: it cannot appear by chance), matched case-insensitively.
// CanaryScanner looks for it in a streamed field whatever the chunking: it holds back the end
// of the text seen so far while that end could be the start of the canary, and removes every
// occurrence, so the canary never reaches the client (whole or split over chunks).
import { randomBytes } from "node:crypto";

export function newCanary(): string {
  return randomBytes(8).toString("hex");
}

/** The system prompt with the canary added (an HTML comment the model has no reason to repeat). */
export function withCanary(systemText: string, canary: string): string {
  return `${systemText}\n\n<!-- ref ${canary} -->`;
}

export class CanaryScanner {
  private held = "";
  /** Set once the canary was seen in this field. */
  leaked = false;

  constructor(private readonly canary: string) {}

  /** The part of `delta` (with what was held back before it) that can be sent now, canary removed. */
  push(delta: string): string {
    if (delta === "" && this.held === "") return "";
    let text = this.held + delta;
    let lower = text.toLowerCase();
    for (let at = lower.indexOf(this.canary); at >= 0; at = lower.indexOf(this.canary)) {
      this.leaked = true;
      text = text.slice(0, at) + text.slice(at + this.canary.length);
      lower = lower.slice(0, at) + lower.slice(at + this.canary.length);
    }
    // hold back the longest end of the text that is a start of the canary
    let keep = Math.min(this.canary.length - 1, text.length);
    while (keep > 0 && !this.canary.startsWith(lower.slice(lower.length - keep))) keep--;
    this.held = text.slice(text.length - keep);
    return text.slice(0, text.length - keep);
  }

  /** What is still held back (the answer ended: it was not the canary). */
  flush(): string {
    const rest = this.held;
    this.held = "";
    return rest;
  }
}
