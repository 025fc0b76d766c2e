// Types for gen-unicode.mjs (imported by the tests).
export declare const CLASS: Readonly<Record<string, number>>;
export declare function classify(cp: number): number;
export declare function buildTables(): { stage1: number[]; blocks: Uint8Array[] };
export declare function generate(outFile: string): { blocks: number; bytes: number };
