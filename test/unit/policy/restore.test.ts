// Placeholder restoration in responses, whole and streamed (placeholders split across chunks).
import { describe, expect, it } from "vitest";
import { PlaceholderStreamRestorer, restorePlaceholders } from "../../../src/policy/pii/restore.js";

const MAP = new Map([["<EMAIL_1>", "jane@example.com"], ["<CARD_1>", "4111 1111 1111 1111"], ["<EMAIL_12>", "bob@x.io"]]);

function streamed(chunks: string[]): string {
  const r = new PlaceholderStreamRestorer(MAP);
  return chunks.map((c) => r.push(c)).join("") + r.flush();
}

describe("restorePlaceholders", () => {
  it("replaces known placeholders and leaves unknown ones and other markup alone", () => {
    expect(restorePlaceholders("to <EMAIL_1>, card <CARD_1>, <EMAIL_9> and <b>bold</b>", MAP)).toBe(
      "to jane@example.com, card 4111 1111 1111 1111, <EMAIL_9> and <b>bold</b>",
    );
  });
});

describe("PlaceholderStreamRestorer", () => {
  const full = "Sure: <EMAIL_1> and <EMAIL_12>, card <CARD_1>. a<b and x < y > z <";
  const expected = restorePlaceholders(full, MAP);

  it("gives the same text for every way of splitting the stream in two or three", () => {
    for (let i = 0; i <= full.length; i++) {
      expect(streamed([full.slice(0, i), full.slice(i)])).toBe(expected);
      for (let j = i; j <= full.length; j += 3) expect(streamed([full.slice(0, i), full.slice(i, j), full.slice(j)])).toBe(expected);
    }
  });

  it("splits character by character", () => {
    expect(streamed([...full])).toBe(expected);
  });

  it("holds back only a possible placeholder tail", () => {
    const r = new PlaceholderStreamRestorer(MAP);
    expect(r.push("hello <EMA")).toBe("hello ");
    expect(r.push("IL_1> bye")).toBe("jane@example.com bye");
    expect(r.push("if a <b")).toBe("if a <b");
    expect(r.push(" <")).toBe(" ");
    expect(r.flush()).toBe("<");
  });
});
