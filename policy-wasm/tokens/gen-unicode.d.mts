// Types for gen-unicode.mjs (imported by the tests).
export declare function classify(cp: number): number;
export declare function generate(outFile: string): { blocks: number; bytes: number };
