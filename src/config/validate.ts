import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";

/**
 * Checks a parsed YAML value against a protobuf message descriptor and returns every problem
 * with the path of the field it is about ("providers[1].timeouts.connect_ms: expected a
 * non-negative integer, got -5"). Unknown fields are errors that name the field and the
 * fields that would be valid there. The config's schema is proto/sluice/v1/config.proto, so a
 * new config section needs no validation code of its own.
 */
export function validateAgainst(desc: DescMessage, value: unknown, path = ""): string[] {
  const problems: string[] = [];
  checkMessage(desc, value, path, problems);
  return problems;
}

function checkMessage(desc: DescMessage, value: unknown, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  if (typeof value !== "object" || Array.isArray(value)) {
    out.push(`${where(path)}expected a mapping (${desc.name}), got ${describe(value)}`);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const field = desc.fields.find((f) => f.name === key || f.jsonName === key);
    const childPath = path === "" ? key : `${path}.${key}`;
    if (!field) {
      const known = desc.fields.map((f) => f.name).join(", ");
      out.push(`${childPath}: unknown field (valid here: ${known})`);
      continue;
    }
    checkField(field, child, childPath, out);
  }
}

function checkField(field: DescField, value: unknown, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  switch (field.fieldKind) {
    case "scalar":
      return checkScalar(field.scalar, value, path, out);
    case "enum":
      return checkEnum(field.enum.values.map((v) => v.name), value, path, out);
    case "message":
      return checkMessage(field.message, value, path, out);
    case "list":
      if (!Array.isArray(value)) {
        out.push(`${path}: expected a list, got ${describe(value)}`);
        return;
      }
      value.forEach((item, i) => {
        const itemPath = `${path}[${i}]`;
        if (field.listKind === "message") checkMessage(field.message, item, itemPath, out);
        else if (field.listKind === "enum") checkEnum(field.enum.values.map((v) => v.name), item, itemPath, out);
        else checkScalar(field.scalar, item, itemPath, out);
      });
      return;
    case "map":
      if (typeof value !== "object" || Array.isArray(value)) {
        out.push(`${path}: expected a mapping, got ${describe(value)}`);
        return;
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const entryPath = `${path}.${k}`;
        if (field.mapKind === "message") checkMessage(field.message, v, entryPath, out);
        else if (field.mapKind === "enum") checkEnum(field.enum.values.map((e) => e.name), v, entryPath, out);
        else checkScalar(field.scalar, v, entryPath, out);
      }
      return;
  }
}

function checkScalar(type: ScalarType, value: unknown, path: string, out: string[]): void {
  switch (type) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      if (typeof value !== "string") out.push(`${path}: expected a string, got ${describe(value)}`);
      return;
    case ScalarType.BOOL:
      if (typeof value !== "boolean") out.push(`${path}: expected true or false, got ${describe(value)}`);
      return;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      if (typeof value !== "number" || !Number.isFinite(value)) out.push(`${path}: expected a number, got ${describe(value)}`);
      return;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || (isThirtyTwo(type) && value > 0xffffffff)) {
        out.push(`${path}: expected a non-negative integer, got ${describe(value)}`);
      }
      return;
    default:
      if (typeof value !== "number" || !Number.isInteger(value)) out.push(`${path}: expected an integer, got ${describe(value)}`);
  }
}

function isThirtyTwo(type: ScalarType): boolean {
  return type === ScalarType.UINT32 || type === ScalarType.FIXED32;
}

function checkEnum(names: string[], value: unknown, path: string, out: string[]): void {
  if (typeof value !== "string" || !names.includes(value)) {
    out.push(`${path}: expected one of ${names.join(", ")}, got ${describe(value)}`);
  }
}

function where(path: string): string {
  return path === "" ? "" : `${path}: `;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}
