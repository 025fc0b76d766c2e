const vocabulary = (
  "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore " +
  "et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip " +
  "ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla"
).split(" ");

/** `count` words of lorem ipsum, each with its leading space; `seed` varies the start. */
export function loremWords(count: number, seed: number): string[] {
  const words = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const word = vocabulary[(seed + i * 7) % vocabulary.length]!;
    words[i] = i === 0 ? word[0]!.toUpperCase() + word.slice(1) : " " + word;
  }
  return words;
}
