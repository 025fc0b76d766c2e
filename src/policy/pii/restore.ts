// Restoring `<LABEL_n>` placeholders in response text, whole or streamed. A streamed placeholder
// can be split across chunks (`... <EMA` + `IL_1> ...`): the restorer holds back a tail that could
// still become a placeholder and releases it with the next chunk or at the end.
const PLACEHOLDER = /<[A-Z][A-Z0-9_]*_\d+>/g;
/** Longest placeholder worth holding back for; longer `<...` runs are plain text. */
const MAX_PLACEHOLDER = 40;
const PARTIAL = /^<[A-Z0-9_]*$/;

export function restorePlaceholders(text: string, placeholders: ReadonlyMap<string, string>): string {
  if (placeholders.size === 0 || !text.includes("<")) return text;
  return text.replace(PLACEHOLDER, (match) => placeholders.get(match) ?? match);
}

export class PlaceholderStreamRestorer {
  private held = "";

  constructor(private readonly placeholders: ReadonlyMap<string, string>) {}

  /** Restores what can be restored; may return less than it got (a held-back tail). */
  push(chunk: string): string {
    const text = this.held + chunk;
    this.held = "";
    if (this.placeholders.size === 0) return text;
    const lt = text.lastIndexOf("<");
    if (lt >= 0 && text.length - lt <= MAX_PLACEHOLDER && PARTIAL.test(text.slice(lt))) {
      this.held = text.slice(lt);
      return restorePlaceholders(text.slice(0, lt), this.placeholders);
    }
    return restorePlaceholders(text, this.placeholders);
  }

  /** The held-back tail at the end of the stream (it never became a placeholder). */
  flush(): string {
    const rest = this.held;
    this.held = "";
    return restorePlaceholders(rest, this.placeholders);
  }
}
