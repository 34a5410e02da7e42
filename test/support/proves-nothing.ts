import type { SolverBackend } from "../../src/pipeline/backends/backend.js";

/**
 * A real backend whose every optimal answer is reported as a limit hit with the incumbent kept
 * (`feasible`): the solve then proves nothing, which is what the undecided paths are tested against.
 */
export function provingNothing(backend: SolverBackend): SolverBackend {
  return {
    ...backend,
    solve: async (problem, options) => {
      const solution = await backend.solve(problem, options);
      return solution.status === "optimal" ? { ...solution, status: "feasible" } : solution;
    },
  };
}
