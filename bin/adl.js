#!/usr/bin/env node
// The `adl` command. TypeScript sources run through tsx's loader, so a clean clone needs only `npm ci`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
