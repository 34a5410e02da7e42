/**
 * One seed for every property test, so that a CI run is reproducible and a red run can be replayed
 * as it was. `FC_SEED=<n>` (or `FC_SEED=random`) explores other inputs locally: `npm run fuzz` and
 * the oracle's sample are where breadth lives, the suite is where a failure must stay failed.
 */
import fc from "fast-check";

const wanted = process.env.FC_SEED;
if (wanted !== "random") fc.configureGlobal({ seed: wanted !== undefined && /^-?\d+$/.test(wanted) ? Number(wanted) : 20261201 });
