// YAML shorthands the proto schema cannot express, rewritten into the schema's shape before the
// tree is checked: `policies.pii.entities: all` (a word) means the one-item list `[all]`.
export function expandShorthands(tree: unknown): unknown {
  const pii = (tree as { policies?: { pii?: { entities?: unknown } } } | null)?.policies?.pii;
  if (pii && typeof pii === "object" && typeof pii.entities === "string") pii.entities = [pii.entities];
  return tree;
}
