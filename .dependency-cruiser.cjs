/**
 * The layers of src/ (see the README's "Layout"): a folder imports only from layers below it,
 * never from a folder beside it, and no file is part of an import circle. `npm run lint`
 * runs this; CI fails on a violation.
 *
 * Bottom to top. Folders on one line are siblings: they may not import each other.
 */
const LAYERS = [
  ["gen"], // protoc-gen-es output from proto/
  ["core"], // the shared vocabulary: canonical messages, Target, Principal, the adapter interface, Logger
  ["errors"],
  ["config"],
  ["upstream", "limits", "routing", "telemetry", "cache", "policy", "prompts"], // libraries, one capability each
  ["providers"],
  ["pipeline", "mcp"], // mcp: the MCP gateway (/mcp), beside the pipeline: it uses the libraries, not the phases
  ["server"],
  ["app"], // the composition root: createGateway, startGateway, config loading with every part's checks
  ["cli"],
];

const folders = LAYERS.flat();
const above = (rank) => LAYERS.slice(rank + 1).flat();
const group = (names) => `^src/(${names.join("|")})/`;

const layerRules = LAYERS.flatMap((layer, rank) =>
  layer.flatMap((folder) => {
    const forbidden = [...above(rank), ...layer.filter((f) => f !== folder)];
    if (forbidden.length === 0) return [];
    return [
      {
        name: `layer-${folder}`,
        comment: `src/${folder} may import only from the layers below it (${LAYERS.slice(0, rank).flat().join(", ") || "nothing of Sluice"})`,
        severity: "error",
        from: { path: `^src/${folder}/` },
        to: { path: group(forbidden) },
      },
    ];
  }),
);

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import circles, file-level included (type-only imports count too).",
      severity: "error",
      from: { path: "^(src|policy-wasm)/" },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: "gen-is-generated",
      comment: "src/gen is protoc-gen-es output: it imports nothing of Sluice's own code.",
      severity: "error",
      from: { path: "^src/gen/" },
      to: { path: "^src/", pathNot: "^src/gen/" },
    },
    {
      name: "known-folders-only",
      comment: `Every folder of src/ has a place in the layers (${folders.join(", ")}).`,
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^src/", pathNot: group(folders) },
    },
    {
      name: "src-not-from-tests",
      comment: "Production code never imports tests, benchmarks or their support code.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|bench)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(dist|node_modules)/" },
  },
};
