#!/usr/bin/env -S node --max-semi-space-size=4
// The `sluice` command. The TypeScript sources are compiled to dist/ by `npm run build`.
// --max-semi-space-size=4 (MiB; Node 20's default is 16): the young generation is most of an
// idle gateway's heap; capped, `sluice serve` idles at ~74 MiB RSS instead of ~89, at a cost of
// more (short) scavenges under load (bench/RESULTS.md, "Performance"). `npm start` passes it too.
import { main } from "../dist/src/cli/main.js";

const code = await main(process.argv.slice(2));
process.exitCode = code;
