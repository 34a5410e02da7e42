/**
 * What an experiment run writes, one JSON object per line, and what reports read. This file is the
 * contract between the runner (src/tools/run), the frontier (src/tools/frontier) and the reports (src/tools/report):
 * change it only together with all three.
 *
 * A run folder holds:
 *   manifest.json      RunManifest (written at start, rewritten atomically at the end)
 *   results.jsonl      one JobRow per finished mechanism job (append-only; a torn last line is ignored)
 *   frontier-points.jsonl  FrontierRows as each frontier job finishes, placements empty (append-only)
 *   frontier.jsonl     the same rows with every mechanism placed against them (rewritten atomically at the end)
 *   exposure.jsonl     ExposureRow per representative account and mechanism (append-only)
 *   simulations.jsonl  one SimulationRow per simulator run (append-only), when the experiment has any
 *   rounds.jsonl       one RoundsRow per multi-round scenario and policy (append-only), when the experiment has rounds
 *   report/            written by `adl report`
 *
 * The file names and the JSON-lines parse are in src/floor/records/folder.ts.
 *
 * Units: dollars in the settlement currency; fractions dimensionless in [0, 1]; seconds wall time.
 */
// The ground floor of the tools: this file imports nothing, so every folder may depend on it.

/** The solvency and fairness numbers of one allocation of one wave (DESIGN §5). */
export interface AllocationMetrics {
  /** sum h, dollars. */
  readonly total: number;
  /** sum h / B (1 when B = 0). */
  readonly coverage: number;
  /** max(0, B - sum h): what the allocation leaves uncovered. */
  readonly shortfall: number;
  /** sum h - B, dollars, and relative to B. */
  readonly overshoot: number;
  readonly overshootShare: number;
  readonly touched: number;
  /** touched / eligible accounts with capacity > 0. */
  readonly touchedShare: number;
  /** max_i h_i / c_i. */
  readonly maxFraction: number;
  /** Gini coefficient of h_i / c_i over eligible accounts with capacity > 0 (0 = all equal). */
  readonly giniOfFractions: number;
  /** Herfindahl–Hirschman index of haircut shares h_i / sum h (1 = one account pays all). */
  readonly hhi: number;
  /** Share of sum h paid by the top 1% of eligible accounts (at least one account), by haircut. */
  readonly top1Share: number;
}

/** The constraints of a feasible region (src/tools/frontier/region.ts), in a canonical form (equal regions are equal objects). */
export interface ConstraintSet {
  /** Eligibility expression as written; null = every account may pay. */
  readonly eligibility: string | null;
  /** alpha < 1; null = no cap beyond capacity (alpha = 1 is the same region). */
  readonly alpha: number | null;
  /** "lot_value×lots", "positions", with "×s" for a lot-scale sweep s != 1; null = no lots. */
  readonly lots: string | null;
  /** Seniority layers, junior first, when there are at least two; null otherwise (one layer is caps). */
  readonly ladder: readonly string[] | null;
  readonly coverage: "atLeast" | "exact";
  /** The swept margin when it changes the budget (deficit budgets); null otherwise. */
  readonly margin: number | null;
}

/** Axes the scorecard may judge Pareto efficiency on (each is "lower is better" except ltvRetained). */
export const SCORECARD_AXES = ["shortfall", "overshoot", "maxFraction", "gini", "touched", "ltvRetained", "principalTaken", "brittleness", "gameability"] as const;
export type ScorecardAxis = (typeof SCORECARD_AXES)[number];


/** One wave of an experiment: a scenario instance at one budget level. */
export interface WaveKey {
  /** Stable id, e.g. "pareto-200/s3/b0.1": scenario, seed, budget level. */
  readonly wave: string;
  readonly scenario: string;
  readonly seed: number;
  /** Accounts in the wave. */
  readonly n: number;
  /** B, dollars. */
  readonly budget: number;
  /** Sum of capacities of the eligible accounts of the wave (dollars) under the unconstrained model. */
  readonly totalCapacity: number;
  /** B / totalCapacity: < 1 feasible, ~1 tight, > 1 over capacity. */
  readonly budgetShare: number;
}

/** Every number of one allocation: the solvency and fairness metrics of src/pipeline/metrics/allocation.ts, and these. */
export interface JobMetrics extends AllocationMetrics {
  /** max(0, B - total): the deficit the venue still carries after this mechanism. */
  readonly residualInsolvency: number;
  /** As the reference ADL analysis defines them (src/pipeline/metrics/reference.ts); null when undefined (nothing taken). */
  readonly ptsr: number | null;
  readonly pmr: number | null;
  /** Mean relative L1 change of the allocation per unit relative input perturbation; null when not measured. */
  readonly brittleness: number | null;
  /** Mean share of account pairs whose haircut order flips under the perturbations; null when not measured. */
  readonly rankFlips: number | null;
  /** Mean |change of own haircut| / own capacity of gaming accounts (close-and-reopen, split); null when not measured. */
  readonly gameability: number | null;
  // Revenue
  /** sum_i ltv_i * exp(-beta h_i / c_i) / sum_i ltv_i over eligible accounts: the LTV kept under churn. */
  readonly ltvRetained: number;
  /** sum_i ltv_i * (1 - exp(-beta h_i / c_i)), dollars of lifetime value lost. */
  readonly ltvLoss: number;
  /** sum_i max(0, h_i - gains_i): dollars taken beyond each account's gains (its principal); null without a gains column. */
  readonly principalTaken?: number | null;
}

export interface JobRow extends WaveKey {
  /** Stable job id: wave + mechanism + params; the resume key. */
  readonly job: string;
  /** Display name of the mechanism, e.g. "pro-rata", "queue:binance", "minmax-k[K=5]". */
  readonly mechanism: string;
  readonly kind: "model" | "heuristic";
  /** The model file the mechanism is solved with (model) or judged against (heuristic). */
  readonly model: string;
  /** The heuristic's registry name (kind heuristic). */
  readonly heuristic?: string;
  /** Sweep parameters of this job, e.g. {alpha: 0.5, maxAccounts: 10}. */
  readonly params: Readonly<Record<string, number>>;
  readonly status: "optimal" | "feasible" | "infeasible" | "heuristic" | "error";
  /** "dedicated:water-filling", "mip:highs" ("mip:exact" when exact proofs closed every stage and no backend ran), "heuristic", "certificate". */
  readonly path: string;
  readonly seconds: number;
  readonly gap: number | null;
  readonly nodes: number | null;
  /** Null when there is no allocation (an infeasible model wave, an error). */
  readonly metrics: JobMetrics | null;
  /** The independent verifier's verdict on the allocation. */
  readonly verified: { readonly ok: boolean; readonly worstViolation: number; readonly broken: readonly string[] } | null;
  /** Constraints broken that the heuristic does not declare it ignores (must be empty). */
  readonly unexpected: readonly string[];
  /** The certificate of the wave under this job's model. */
  readonly certificate: {
    readonly feasible: boolean;
    readonly shortfall: number;
    readonly broken: readonly { readonly promise: string; readonly need: number; readonly have: number }[];
  };
  /**
   * Lorenz curve of haircuts over the eligible accounts: 21 points (p, L(p)) for p = 0, 0.05, …, 1,
   * accounts sorted by haircut ascending. Empty when nothing was taken.
   */
  readonly lorenz: readonly (readonly [number, number])[];
  /** Up to 200 accounts (deterministic sample): [capacity, h/c]. For the fraction-vs-capacity chart. */
  readonly fractionByCapacity: readonly (readonly [number, number])[];
  /** The feasible region the mechanism's allocations must lie in (src/tools/frontier/region.ts): what frontier it is placed against. */
  readonly constraints?: ConstraintSet;
  readonly message?: string;
}

/** One point of an exact frontier, proven by the solver (or a dedicated algorithm) and verified. */
export interface FrontierPoint {
  /** The constrained axis value: K (max accounts) or the coverage level. */
  readonly x: number;
  /** The least achievable objective at x: max haircut fraction, or HHI, or LTV loss. */
  readonly y: number | null;
  readonly status: "optimal" | "feasible" | "infeasible" | "error";
  /** Relative gap when the point is not proven (a limit hit). */
  readonly gap: number | null;
}

export interface FrontierRow extends WaveKey {
  /** The job that produced the row (resume key). */
  readonly job?: string;
  /** e.g. "maxAccounts→maxFraction", "coverage→hhi". */
  readonly frontier: string;
  /** The feasible region the curve is computed for, and its short name ("caps", "alpha 0.1", …); absent in older runs. */
  readonly constraints?: ConstraintSet;
  readonly region?: string;
  /** Why the curve has no points (e.g. a MIP-only region the experiment did not ask to solve). */
  readonly note?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly points: readonly FrontierPoint[];
  /** Each mechanism's point on this wave, its distance to the curve and whether the curve dominates it. */
  readonly placements: readonly {
    readonly mechanism: string;
    readonly x: number;
    readonly y: number;
    /** y - frontier(x) >= 0, from a proven point at the mechanism's own x; null where there is none. */
    readonly distance: number | null;
    readonly dominated: boolean;
    /** Set only when y lies below a proven point by more than the tolerance: a contradiction (a bug), never hidden as a negative distance. */
    readonly belowBy?: number;
  }[];
  readonly seconds: number;
}

/** What the simulator reports for one scenario run under one mechanism (issue 4's two-pass outputs). */
export interface SimulationRow {
  /** The job that produced the row (resume key). */
  readonly job?: string;
  readonly scenario: string;
  readonly mechanism: string;
  readonly seed: number;
  readonly waves: number;
  /** Sum over waves of the wealth-space budget the venue needed. */
  readonly budgetNeeded: number;
  /** Sum over waves of what ADL actually took in contract space (production haircut, two-pass). */
  readonly taken: number;
  /** Overshoot (taken - needed) at each evaluation horizon, in steps. */
  readonly overshootByHorizon: readonly { readonly horizon: number; readonly overshoot: number; readonly overshootShare: number }[];
  /** Mean |own haircut change| / capacity for gaming accounts; null without gaming. */
  readonly gameability: number | null;
}

export interface RunManifest {
  readonly tool: "adl-workbench";
  readonly version: string;
  readonly experiment: { readonly name: string; readonly file: string; readonly sha256: string };
  /** Every input file read (models, accounts, scenarios) with its SHA-256. */
  readonly inputs: readonly { readonly file: string; readonly sha256: string }[];
  readonly solvers: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly shard: { readonly index: number; readonly count: number } | null;
  readonly jobs: { readonly total: number; readonly done: number; readonly failed: number };
  readonly failures: readonly { readonly job: string; readonly message: string }[];
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly node: string;
  /** SHA-256 of every result row with wall times removed, rows sorted (src/tools/run/digest.ts); null until the run is complete. */
  readonly resultsDigest?: string | null;
}

/** Haircut vs budget of one representative account under one mechanism (the exposure chart). */
export interface ExposureRow {
  /** The job that produced the row (resume key). */
  readonly job?: string;
  readonly wave: string;
  readonly mechanism: string;
  readonly account: string;
  readonly capacity: number;
  /** [budget, haircut] pairs, budget ascending. */
  readonly points: readonly (readonly [number, number])[];
}

/** One round of one policy in a multi-round scenario (dollars; theta and fractions dimensionless). */
export interface RoundPoint {
  /** 1-based. */
  readonly round: number;
  readonly label: string;
  /** theta_t = B_t / D_t (a table: H_t / D_t, capped at 1). */
  readonly theta: number;
  readonly thetaNeeded: number;
  readonly deficit: number;
  /** B_t, the budget the policy chose; null for a table (it records only H_t). */
  readonly budget: number | null;
  /** H_t = sum of the haircuts. */
  readonly haircut: number;
  /** B_t^need. */
  readonly needed: number;
  readonly maxFraction: number;
  readonly loss: number;
  readonly cumulativeLoss: number;
  /** Cumulative regret against the best per-round action; null for a table (no accounts to compare with). */
  readonly cumulativeRegret: number | null;
  /** The instance bound over the rounds so far. */
  readonly cumulativeBound: number;
  /** Share of adjacent capacity-sorted pairs whose residual order flips; null for a table. */
  readonly monotonicityViolations: number | null;
  /** Spearman of x/u with the previous round; null for the first round, when undefined, and for a table. */
  readonly rankStability: number | null;
  /** The verifier accepted this round's allocation outright; null for a table (no allocation). */
  readonly verified: boolean | null;
}

/**
 * One policy over one multi-round scenario of the experiment (src/tools/run/rounds-jobs.ts): a policy run
 * over a round sequence (src/tools/rounds/run.ts; every allocation verified), or a recorded policy of a
 * per-round table scored as the paper's Table 2 (src/tools/rounds/table.ts). Dollars unless stated.
 */
export interface RoundsRow {
  /** The job that produced the row (resume key). */
  readonly job?: string;
  /** The rounds block entry's name. */
  readonly scenario: string;
  readonly source: "scenario" | "table";
  /** The round sequence's own name ("stress under queue:bitmex") or the table's file. */
  readonly sequence: string;
  readonly policy: string;
  /** The rules as written ("ogd", "theta 0.5"; "pro-rata:wealth", "minmax"); "recorded" for a table's policies. */
  readonly severity: string;
  readonly allocation: string;
  readonly rounds: number;
  /** The loss's weights (scenario), or Table 2's lambda and fairness reference (table). */
  readonly weights: Readonly<Record<string, number | string>>;
  /** Cumulative loss sum_t l_t (a table: T + lambda F). */
  readonly loss: number;
  /** Tracking part sum_t |H_t - B_t^need| (weighted by under and over for a scenario). */
  readonly tracking: number;
  /** Fairness part (a scenario: weighted sum of max fractions; a table: F = sum_t B^need |m_t - m_t^ref|, unweighted). */
  readonly fairness: number;
  /** V_T = sum_t [B^need - H]_+. */
  readonly undershoot: number;
  readonly overshoot: number;
  /** Static (best fixed severity, min-max split), dynamic (best per-round action) and allocation regret; null for a table. */
  readonly regret: { readonly static: number | null; readonly dynamic: number | null; readonly allocation: number | null };
  /** sum_t D_t |theta_t - theta_t^need|, the loss Proposition 1 bounds; null for a table. */
  readonly severityRegret: number | null;
  /** P_T over the capped needed severities. */
  readonly severityVariation: number;
  /** sqrt((1 + 2 P_T) sum_t D_t^2). */
  readonly bound: number;
  /** loss / bound; null when the bound is 0. */
  readonly shareOfBound: number | null;
  /** severityRegret <= bound; null for a table. */
  readonly withinBound: boolean | null;
  /** The OGD step, when the severity rule is ogd. */
  readonly step: number | null;
  readonly stability: { readonly monotonicityViolations: number | null; readonly rankStability: number | null; readonly rankPairs: number };
  /** Rounds whose allocation the verifier accepted, and the promises the rule breaks by declaration; null for a table. */
  readonly verified: { readonly rounds: number; readonly accepted: number; readonly declared: readonly string[] } | null;
  /** Wall time of the job, seconds (machine-dependent: not in the results digest). */
  readonly seconds: number;
  readonly series: readonly RoundPoint[];
}
