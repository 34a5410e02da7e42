/** The market stress simulator (issue 4, part 2): see src/tools/simulate/README.md. */
export { loadScenario, parseScenario, mechanismKind, resolveModelPath, DEFAULT_HORIZONS, type Scenario, type MarketSpec, type ExplicitAccount, type PopulationSpec } from "./scenario.js";
export { simulate, simulationRow, markToMarket, MIN_WAVE_DEFICIT, type SimulateOptions, type SimulationResult, type WaveEvent, type StepRecord, type WaveRecord, type AccountRecord, type HorizonTake, type GamingRecord } from "./simulate.js";
export { GainsLedger, ladderOf } from "./ledger.js";
export { initialBook, emptyBook, closeAndReopen, equityOf, conservedWealth, tradeWithBook, type BookState } from "./book.js";
export { pricePath, stream, gamma, normal, STREAM } from "./shocks.js";
export { buildWaveInput, executeWave, resolveMechanism, solveSimulatedWave, waveLayers, type BoundMechanism, type WaveInput, type Counterparty } from "./wave.js";
