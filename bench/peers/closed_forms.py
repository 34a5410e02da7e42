"""The numpy peer of bench/whole-process.ts: read the wave CSV, solve the model's dedicated case
in closed form, write one JSON answer. Same file, same budget, same problem as `adl solve`.

    python3 bench/peers/closed_forms.py MODEL ACCOUNTS.csv BUDGET OUT.json

MODEL is one of pro-rata, risk-weighted, convex-quadratic, queue-l0, lots-minmax, profits-first.
Columns read: id, capacity, gains, principal, risk_weight, lot_value, lots (by header name).
Reading is np.loadtxt for the numbers and one pass of Python for the ids (np.loadtxt with
dtype=str was slower); the answer is json.dump of {status, budget, total, touched, maxFraction,
objective, allocation: [{id, haircut[, lots][, layers]}]} for every account touched, like
`adl solve --json`. A one-line summary goes to stderr.

The closed forms (the workbench's dedicated algorithms solve the same problems):
  pro-rata          min max h_i/c_i, 0 <= h_i <= c_i, sum h = B      -> h = t c, t = B / sum c
  risk-weighted     min max h_i/(w_i c_i)                            -> capped water-filling h = min(c, t w c)
  convex-quadratic  min sum c_i (h_i/c_i)^2 (KKT: h_i/c_i equal)     -> h = t c, as pro-rata
  queue-l0          min #{h_i > 0}                                   -> greedy: largest capacities first
  lots-minmax       min max h_i/c_i, h_i = v_i q_i, q_i <= K_i       -> smallest breakpoint M of
                    G(M) = sum v_i min(K_i, floor(M c_i / v_i)) >= B, K_i = min(Q_i, floor(c_i/v_i));
                    then lots given back while coverage allows (one pass in row order)
  profits-first     seniority [gains, principal], pro-rata inside    -> marginal layer l*, then
                    water-filling h = clip(t c, lower, upper) on the box of lexicographic optima
"""
import json
import sys
import time

import numpy as np


def read(path):
    with open(path, encoding="utf-8-sig") as f:
        header = f.readline().strip().split(",")
        ids = [line[: line.index(",")] for line in f]
    columns = {name: k for k, name in enumerate(header)}
    wanted = [name for name in ("capacity", "gains", "principal", "risk_weight", "lot_value", "lots") if name in columns]
    data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=[columns[name] for name in wanted], ndmin=2, encoding="utf-8-sig")
    return ids, {name: data[:, k] for k, name in enumerate(wanted)}


def water_fill(scale, lower, upper, budget):
    """h = clip(t * scale, lower, upper) with sum h = budget (t by bisection, then exact on the free set)."""
    lo, hi = 0.0, 1.0
    while np.clip(hi * scale, lower, upper).sum() < budget and hi < 1e300:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if np.clip(mid * scale, lower, upper).sum() < budget:
            lo = mid
        else:
            hi = mid
    # On the free set (strictly inside its box at t = hi) solve sum = budget exactly for t.
    t = hi
    raw = t * scale
    free = (raw > lower) & (raw < upper)
    fixed = np.where(raw <= lower, lower, upper)
    rest = budget - fixed[~free].sum()
    weight = scale[free].sum()
    if weight > 0:
        t = rest / weight
    return np.clip(t * scale, lower, upper), t


def pro_rata(c, budget):
    return water_fill(c, np.zeros_like(c), c, budget)


def greedy_l0(c, budget):
    order = np.argsort(-c, kind="stable")
    covered = np.cumsum(c[order])
    k = int(np.searchsorted(covered, budget, side="left")) + 1
    h = np.zeros_like(c)
    h[order[: k - 1]] = c[order[: k - 1]]
    h[order[k - 1]] = budget - (covered[k - 2] if k >= 2 else 0.0)
    return h


def lots_minmax(c, v, q, budget):
    K = np.minimum(q, np.floor(c / v))
    def G(M):
        return (v * np.minimum(K, np.floor(M * c / v))).sum()
    lo, hi = 0.0, 1.0
    while G(hi) < budget:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if G(mid) < budget:
            lo = mid
        else:
            hi = mid
    n = np.minimum(K, np.floor(hi * c / v))
    level = ((n * v) / np.where(c > 0, c, 1.0))[n > 0].max()
    taken = n.copy()
    over = (v * taken).sum() - budget
    # Give lots back in row order while coverage allows: only accounts whose lot fits the overshoot.
    for i in np.nonzero((v <= over) & (taken > 0))[0]:
        back = min(taken[i], np.floor(over / v[i]))
        if back > 0:
            taken[i] -= back
            over -= back * v[i]
    return v * taken, taken, level


def profits_first(c, gains, principal, budget):
    below_gains = np.minimum(c, gains)
    if below_gains.sum() >= budget:
        lower, upper = np.zeros_like(c), below_gains
    else:
        lower, upper = below_gains, np.minimum(c, gains + principal)
    h, _ = water_fill(c, lower, upper, budget)
    from_gains = np.minimum(h, gains)
    return h, {"gains": from_gains, "principal": h - from_gains}


def main():
    model, path, budget_text, out = sys.argv[1:5]
    budget = float(budget_text)
    started = time.perf_counter()
    ids, col = read(path)
    read_s = time.perf_counter() - started
    c = col["capacity"]
    lots = layers = None
    if model in ("pro-rata", "convex-quadratic"):
        h, _ = pro_rata(c, budget)
    elif model == "risk-weighted":
        h, _ = water_fill(col["risk_weight"] * c, np.zeros_like(c), c, budget)
    elif model == "queue-l0":
        h = greedy_l0(c, budget)
    elif model == "lots-minmax":
        h, lots, _ = lots_minmax(c, col["lot_value"], col["lots"], budget)
    elif model == "profits-first":
        h, layers = profits_first(c, col["gains"], col["principal"], budget)
    else:
        raise SystemExit(f"unknown model {model}")
    solved_s = time.perf_counter() - started
    touched = np.nonzero(h > 0)[0]
    fraction = np.where(c > 0, h / np.where(c > 0, c, 1.0), 0.0)
    rows = []
    for i in touched.tolist():
        row = {"id": ids[i], "haircut": float(h[i])}
        if lots is not None:
            row["lots"] = int(lots[i])
        if layers is not None:
            row["layers"] = {name: float(values[i]) for name, values in layers.items()}
        rows.append(row)
    total = float(h.sum())
    answer = {
        "status": "optimal",
        "budget": budget,
        "total": total,
        "overshoot": total - budget,
        "touched": int(touched.size),
        "maxFraction": float(fraction.max()),
        "allocation": rows,
    }
    with open(out, "w") as f:
        json.dump(answer, f)
    sys.stderr.write(json.dumps({"model": model, "n": len(ids), "touched": answer["touched"], "maxFraction": answer["maxFraction"], "total": total,
                                 "readSeconds": read_s, "solveSeconds": solved_s - read_s, "seconds": time.perf_counter() - started}) + "\n")


if __name__ == "__main__":
    main()
