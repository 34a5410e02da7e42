/**
 * A per-round table in the reference analysis's column convention (pluriholonomic/
 * autodeleveraging-analysis, `out/policy_per_wave_metrics.csv`, written by
 * src/oss_adl/policy_per_wave.py): one row per round with `deficit_usd` (D_t), `budget_needed`
 * (B_t^need), and for every policy p a `budget_<p>` (H_t) and a `max_pct_<p>` (m_t, the policy's
 * max haircut fraction); optional `theta_needed_capped`. Every other column is ignored.
 *
 * `scoreRoundTable` is the paper's Table 2 (arXiv 2602.15182, §5 eq. 23 and Appendix A.3):
 * tracking T = sum_t |H_t - B_t^need|, fairness F = sum_t B_t^need |m_t - m_t^ref| with the min-max
 * ILP as reference, total T + lambda F, beside B_inst = sqrt((1 + 2 P̂) sum_t D_t^2).
 */
import { readFileSync } from "node:fs";
import { parse as parseCsv } from "csv-parse/sync";
import { InstanceError, UsageError, describeReadError, didYouMean } from "../../errors.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";
import { deficitNorm, instanceBound, neededSeverity, severityVariation } from "./bound.js";

/** The reference policy of the fairness gap unless --reference says otherwise: the min-max ILP column. */
export const DEFAULT_REFERENCE = "fixed_point_ilp_integer";

/** One policy's columns of a round table, per round (dollars; the fraction is dimensionless). */
export interface TablePolicy {
  readonly name: string;
  /** H_t per round. */
  readonly haircut: Float64Array;
  /** m_t per round. */
  readonly maxFraction: Float64Array;
}

/** A round table, validated: every number finite, amounts >= 0, fractions in [0, 1]. */
export interface RoundTable {
  readonly file: string;
  /** D_t per round, dollars. */
  readonly deficit: Float64Array;
  /** B_t^need per round, dollars. */
  readonly needed: Float64Array;
  /** theta_needed_capped when the table has it. */
  readonly neededSeverity?: Float64Array;
  /** In the order of their budget_ columns in the header. */
  readonly policies: readonly TablePolicy[];
}

export interface TableScoreOptions {
  /** Fairness weight lambda, >= 0 (default 1). */
  readonly lambda?: number;
  /** The policy whose max fraction is the fairness reference m^ref (default DEFAULT_REFERENCE). */
  readonly reference?: string;
}

export interface PolicyScore {
  readonly name: string;
  /** T = sum_t |H_t - B_t^need|, dollars. */
  readonly tracking: number;
  /** F = sum_t B_t^need |m_t - m_t^ref|, dollars (unweighted). */
  readonly fairness: number;
  /** T + lambda F, dollars. */
  readonly total: number;
  /** total / bound. */
  readonly shareOfBound: number;
}

/** The JSON shape of `adl rounds TABLE --json`. */
export interface TableScore {
  readonly rounds: number;
  /** P̂ = sum_t |theta_t^need - theta_{t-1}^need| over the capped needed severities. */
  readonly severityVariation: number;
  /** B_inst = sqrt((1 + 2 P̂) sum_t D_t^2), dollars. */
  readonly bound: number;
  readonly policies: readonly PolicyScore[];
}

/**
 * Reads a round table (CSV, UTF-8 with or without BOM). Throws InstanceError naming the file, the
 * data row (header excluded) and the column for a missing column, an empty or non-numeric cell in a
 * column it reads, a negative amount or a fraction outside [0, 1]; and for a table with no policy
 * (no budget_<p> with its max_pct_<p>). O(rows * columns).
 */
export function readRoundTable(path: string): RoundTable {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new InstanceError({ file: path }, "a readable round table (CSV)", describeReadError(error));
  }
  return parseRoundTable(bytes, path);
}

/** readRoundTable on text or bytes already in memory; `file` names them in errors. */
export function parseRoundTable(text: string | Buffer, file: string): RoundTable {
  let records: string[][];
  try {
    records = parseCsv(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
    throw new InstanceError({ file }, "well-formed CSV (quotes closed, fields separated by commas)", message.slice(0, 160));
  }
  if (records.length < 2) throw new InstanceError({ file }, "a header row and at least one round", records.length === 0 ? "an empty file" : "only a header");
  const header = records[0]!.map((name) => name.trim());
  const rows = records.slice(1);
  rows.forEach((record, r) => {
    if (record.length !== header.length) throw new InstanceError({ file, row: r + 1 }, `${header.length} fields, as in the header`, `${record.length} field${record.length === 1 ? "" : "s"}`);
  });
  const columnIndex = new Map<string, number>();
  header.forEach((name, k) => {
    if (columnIndex.has(name)) throw new InstanceError({ file, field: name }, "distinct column names in the header", `${JSON.stringify(name)} twice`);
    columnIndex.set(name, k);
  });

  const column = (name: string, kind: "amount" | "fraction"): Float64Array => {
    const k = columnIndex.get(name);
    if (k === undefined) {
      const near = didYouMean(name, header);
      throw new InstanceError({ file, field: name }, `a column ${name}`, `columns ${header.join(", ").slice(0, 200)}`, near ? `did you mean "${near}"?` : undefined);
    }
    const values = new Float64Array(rows.length);
    rows.forEach((record, r) => {
      const cell = record[k]!.trim();
      const value = cell === "" ? NaN : Number(cell);
      const expected = kind === "amount" ? "a finite number >= 0 (dollars)" : "a finite fraction in [0, 1]";
      const ok = Number.isFinite(value) && value >= 0 && (kind === "amount" || value <= 1);
      if (!ok) throw new InstanceError({ file, row: r + 1, field: name }, expected, cell === "" ? "an empty cell" : JSON.stringify(cell));
      values[r] = value;
    });
    return values;
  };

  const deficit = column("deficit_usd", "amount");
  const needed = column("budget_needed", "amount");
  const policies: TablePolicy[] = [];
  for (const name of header) {
    if (!name.startsWith("budget_") || name === "budget_needed") continue;
    const policy = name.slice("budget_".length);
    if (!columnIndex.has(`max_pct_${policy}`)) continue;
    policies.push({ name: policy, haircut: column(name, "amount"), maxFraction: column(`max_pct_${policy}`, "fraction") });
  }
  if (policies.length === 0) {
    throw new InstanceError({ file }, "at least one policy: a budget_<p> column with its max_pct_<p>", `columns ${header.join(", ").slice(0, 200)}`);
  }
  const theta = columnIndex.has("theta_needed_capped") ? column("theta_needed_capped", "fraction") : undefined;
  return { file, deficit, needed, ...(theta ? { neededSeverity: theta } : {}), policies };
}

/**
 * Table 2 of the paper for every policy of the table (see the module comment). P̂ comes from
 * `theta_needed_capped` when the table has it, else from min(1, B^need / D) per round. Throws
 * UsageError for a negative or non-finite lambda and for a reference that is not a policy of the
 * table (with a did-you-mean). Sums are compensated. O(rounds * policies).
 */
export function scoreRoundTable(table: RoundTable, options: TableScoreOptions = {}): TableScore {
  const lambda = options.lambda ?? 1;
  if (!(Number.isFinite(lambda) && lambda >= 0)) throw new UsageError({ path: "--lambda" }, "a finite fairness weight >= 0", String(lambda));
  const referenceName = options.reference ?? DEFAULT_REFERENCE;
  const reference = table.policies.find((p) => p.name === referenceName);
  if (reference === undefined) {
    const names = table.policies.map((p) => p.name);
    const near = didYouMean(referenceName, names) ?? names.find((name) => name.startsWith(referenceName));
    throw new UsageError({ path: "--reference" }, `a policy of ${table.file}: one of ${names.join(", ")}`, JSON.stringify(referenceName), near ? `did you mean "${near}"?` : undefined);
  }
  const T = table.deficit.length;
  const theta = table.neededSeverity ?? Float64Array.from({ length: T }, (_, t) => neededSeverity(table.needed[t]!, table.deficit[t]!));
  const variation = severityVariation(theta);
  const bound = instanceBound(variation, deficitNorm(table.deficit));
  const policies = table.policies.map((policy) => {
    const tracking = new CompensatedSum();
    const fairness = new CompensatedSum();
    for (let t = 0; t < T; t++) {
      tracking.add(Math.abs(policy.haircut[t]! - table.needed[t]!));
      fairness.add(table.needed[t]! * Math.abs(policy.maxFraction[t]! - reference.maxFraction[t]!));
    }
    const total = tracking.value + lambda * fairness.value;
    return { name: policy.name, tracking: tracking.value, fairness: fairness.value, total, shareOfBound: bound > 0 ? total / bound : NaN };
  });
  return { rounds: T, severityVariation: variation, bound, policies };
}

/** One round of one policy of a scored round table (dollars; theta and fractions dimensionless). */
export interface TableRound {
  /** min(1, H_t / D_t). */
  readonly theta: number;
  readonly thetaNeeded: number;
  readonly deficit: number;
  readonly haircut: number;
  readonly needed: number;
  readonly maxFraction: number;
  /** |H_t - B_t^need|. */
  readonly tracking: number;
  /** B_t^need |m_t - m_t^ref| (unweighted). */
  readonly fairness: number;
  /** tracking + lambda fairness. */
  readonly loss: number;
  /** T_t + lambda F_t over the rounds so far: at the last round exactly scoreRoundTable's total. */
  readonly cumulativeLoss: number;
  /** sqrt((1 + 2 P_t) sum_{s<=t} D_s^2). */
  readonly cumulativeBound: number;
}

/**
 * The per-round terms of scoreRoundTable for one policy of the table, with running totals summed
 * the same way (compensated T and F, then T + lambda F), so the last cumulative loss equals the
 * policy's total bit for bit. Same errors as scoreRoundTable, and UsageError for a policy the table
 * does not have. O(rounds^2) for the running bound (tables have tens of rounds).
 */
export function tableSeries(table: RoundTable, policyName: string, options: TableScoreOptions = {}): TableRound[] {
  const lambda = options.lambda ?? 1;
  const score = scoreRoundTable(table, options);
  const reference = table.policies.find((p) => p.name === (options.reference ?? DEFAULT_REFERENCE))!;
  const policy = table.policies.find((p) => p.name === policyName);
  if (policy === undefined || score.policies.every((p) => p.name !== policyName)) {
    throw new UsageError({ path: "policy" }, `a policy of ${table.file}: one of ${table.policies.map((p) => p.name).join(", ")}`, JSON.stringify(policyName));
  }
  const T = table.deficit.length;
  const theta = table.neededSeverity ?? Float64Array.from({ length: T }, (_, t) => neededSeverity(table.needed[t]!, table.deficit[t]!));
  const tracking = new CompensatedSum();
  const fairness = new CompensatedSum();
  const rounds: TableRound[] = [];
  for (let t = 0; t < T; t++) {
    const H = policy.haircut[t]!;
    const need = table.needed[t]!;
    const track = Math.abs(H - need);
    const fair = need * Math.abs(policy.maxFraction[t]! - reference.maxFraction[t]!);
    tracking.add(track);
    fairness.add(fair);
    rounds.push({
      theta: neededSeverity(H, table.deficit[t]!),
      thetaNeeded: theta[t]!,
      deficit: table.deficit[t]!,
      haircut: H,
      needed: need,
      maxFraction: policy.maxFraction[t]!,
      tracking: track,
      fairness: fair,
      loss: track + lambda * fair,
      cumulativeLoss: tracking.value + lambda * fairness.value,
      cumulativeBound: instanceBound(severityVariation(theta.subarray(0, t + 1)), deficitNorm(table.deficit.subarray(0, t + 1))),
    });
  }
  return rounds;
}
