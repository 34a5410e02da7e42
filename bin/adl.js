#!/usr/bin/env node
// The `adl` command: runs the compiled package in dist/ (built by `npm run build`, which `npm ci`
// runs through the `prepare` script). No transpiler at run time.
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("adl: the compiled package is missing (dist/cli/main.js); run `npm run build` (or `npm ci`) in the project folder\n");
  process.exit(70);
}
// A reader that stops early (`adl generate … | head`) closes the pipe: that is not an error.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});
const cli = await import(main.href);
process.exitCode = await cli.main(process.argv.slice(2));
