#!/usr/bin/env node
// The `adl` command. TypeScript sources run through tsx's loader, so a clean clone needs only `npm ci`.
import { register } from "tsx/esm/api";

register();
// A reader that stops early (`adl generate … | head`) closes the pipe: that is not an error.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
