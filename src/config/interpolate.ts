/**
 * Replaces `${NAME}` and `${NAME:-fallback}` in every string of a parsed YAML tree, so
 * secrets stay in the environment. A variable that is unset and has no fallback is an error
 * naming the field, never an empty string sent to a provider. `$${` escapes a literal `${`.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path: string, problems: string[]): unknown {
  if (typeof value === "string") return interpolateString(value, env, path, problems);
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${path}[${i}]`, problems));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, path ? `${path}.${k}` : k, problems);
    return out;
  }
  return value;
}

const pattern = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolateString(text: string, env: NodeJS.ProcessEnv, path: string, problems: string[]): string {
  return text.replace(pattern, (whole, escaped: string, name: string, fallback: string | undefined) => {
    if (escaped) return whole.slice(1);
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    if (fallback !== undefined) return fallback;
    problems.push(`${path}: environment variable ${name} is not set`);
    return "";
  });
}
