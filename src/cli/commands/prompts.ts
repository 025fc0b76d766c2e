import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { PromptLabel } from "../../gen/sluice/v1/admin_pb.js";
import type { Command } from "../command.js";
import { ADMIN_OPTIONS_HELP, adminClient, adminOptions } from "../admin-client.js";

export const promptsCommand: Command = {
  help: `usage:
  sluice prompts push FILE.yaml          stores the file as the prompt's next version
  sluice prompts list                    every prompt, its latest version and labels
  sluice prompts show ID [--version N]   a version's file (default: the latest), versions, labels
  sluice prompts diff ID A B             line diff between versions A and B
  sluice prompts label ID LABEL VERSION[=WEIGHT] ...
      points LABEL at one version or a weighted split: label support-answer production 1=90 2=10
  sluice prompts rollback ID LABEL       puts LABEL's previous assignment back

admin options:
${ADMIN_OPTIONS_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...adminOptions, version: { type: "string" } } });
    const [sub, ...args] = positionals;
    const usage = () => {
      io.stderr.write("usage: sluice prompts push|list|show|diff|label|rollback ...   (sluice prompts --help)\n");
      return 2;
    };
    if (!sub) return usage();
    const { client, headers } = adminClient(values);
    if (sub === "push" && args.length === 1) {
      const res = await client.pushPrompt({ source: await readFile(args[0]!, "utf8") }, { headers });
      io.stdout.write(`pushed ${res.version?.id} version ${res.version?.version} (sha256 ${res.version?.sha256.slice(0, 16)})\n`);
      return 0;
    }
    if (sub === "list" && args.length === 0) {
      const res = await client.listPrompts({}, { headers });
      for (const p of res.prompts) io.stdout.write(`${p.id}\tlatest ${p.latestVersion}\t${p.labels.map(labelText).join("  ")}\n`);
      return 0;
    }
    if (sub === "show" && args.length === 1) {
      const res = await client.getPrompt({ id: args[0]!, version: values.version ? Number(values.version) : 0 }, { headers });
      io.stdout.write(`# ${res.version?.id} version ${res.version?.version} of ${res.versions.length}, pushed ${res.version?.createdAt}\n`);
      for (const l of res.labels) io.stdout.write(`# label ${labelText(l)}\n`);
      io.stdout.write(res.source.endsWith("\n") ? res.source : `${res.source}\n`);
      return 0;
    }
    if (sub === "diff" && args.length === 3) {
      const [id, a, b] = args as [string, string, string];
      const [left, right] = await Promise.all([a, b].map((v) => client.getPrompt({ id, version: Number(v) }, { headers })));
      io.stdout.write(`--- ${id}@${a}\n+++ ${id}@${b}\n${lineDiff(left!.source, right!.source)}`);
      return 0;
    }
    if (sub === "label" && args.length >= 3) {
      const [id, label, ...specs] = args as [string, string, ...string[]];
      const targets = specs.map((spec) => {
        const m = /^(\d+)(?:=(\d+))?$/.exec(spec);
        if (!m) throw new Error(`${spec}: expected VERSION or VERSION=WEIGHT`);
        return { version: Number(m[1]), weight: m[2] ? Number(m[2]) : 1 };
      });
      const res = await client.labelPrompt({ id, label, targets }, { headers });
      io.stdout.write(`${id}: ${labelText(res.label!)}\n`);
      return 0;
    }
    if (sub === "rollback" && args.length === 2) {
      const res = await client.rollbackPrompt({ id: args[0]!, label: args[1]! }, { headers });
      io.stdout.write(`${args[0]}: ${labelText(res.label!)}\n`);
      return 0;
    }
    return usage();
  },
};

function labelText(l: PromptLabel): string {
  return `${l.name} -> ${l.targets.length === 1 ? l.targets[0]!.version : l.targets.map((t) => `${t.version}=${t.weight}`).join(" ")}`;
}

/** A plain line diff (longest common subsequence): ` ` kept, `-` only in A, `+` only in B. */
function lineDiff(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  const lcs = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) out.push(` ${x[i++]}`), j++;
    else if (j < y.length && (i === x.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`+${y[j++]}`);
    else out.push(`-${x[i++]}`);
  }
  return `${out.join("\n")}\n`;
}
