import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker per core minus one: a single file at a time on the 2-core CI
    // machine, while the main process idles. Many files wait on child processes (the compiled adl,
    // solver subprocesses), so two files at a time keep both cores busy.
    maxWorkers: 2,
    setupFiles: ["test/support/fast-check-seed.ts"],
  },
});
