// Writes this benchmark's section of bench/RESULTS.md, leaving every other section alone.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const SECTION_HEADING = "## Token counting (issue 5)";

export function writeSection(file: string, body: string): void {
  const section = `${SECTION_HEADING}\n\n${body.trim()}\n`;
  if (!existsSync(file)) {
    writeFileSync(file, `# Benchmark results\n\n${section}`);
    return;
  }
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(SECTION_HEADING);
  if (start < 0) {
    writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  // The section runs until the next "## " heading (another owner's section) or the end.
  const rest = text.slice(start + SECTION_HEADING.length);
  const next = rest.search(/\n## /);
  const after = next < 0 ? "" : rest.slice(next + 1);
  writeFileSync(file, `${text.slice(0, start)}${section}${after ? `\n${after}` : ""}`);
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export const fixed = (value: number, digits = 1): string => value.toFixed(digits);

/** Three significant digits for small values, one decimal for large ones. */
export const rate = (value: number): string => (value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toPrecision(2));
