import type { GeminiPartialArg } from "./wire.js";

/**
 * Rebuilds a function call's arguments from Vertex's streamed pieces
 * (`streamFunctionCallArguments`): each piece names a JSON path (`$.city`, `$.a.b`, `$.xs[0]`)
 * and a value; string values may arrive in several pieces that concatenate.
 */
export class PartialArgsAssembler {
  private readonly root: Record<string, unknown> = {};

  add(piece: GeminiPartialArg): void {
    const path = parsePath(piece.jsonPath ?? "");
    if (path.length === 0) return;
    let node: Record<string | number, unknown> = this.root;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      node[key] ??= typeof path[i + 1] === "number" ? [] : {};
      node = node[key] as Record<string | number, unknown>;
    }
    const last = path.at(-1)!;
    if (piece.stringValue !== undefined) node[last] = (typeof node[last] === "string" ? (node[last] as string) : "") + piece.stringValue;
    else if (piece.numberValue !== undefined) node[last] = piece.numberValue;
    else if (piece.boolValue !== undefined) node[last] = piece.boolValue;
    else if ("nullValue" in piece) node[last] = null;
  }

  json(): string {
    return JSON.stringify(this.root);
  }
}

function parsePath(jsonPath: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]/g;
  for (const m of jsonPath.replace(/^\$/, "").matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}
