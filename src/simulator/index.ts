// Public API of the simulator of wearables: pure generation of labelled Kafka messages.
export { createSimulator, simulatorOptionsFromConfig, type Simulator, type SimulatorOptions } from './simulator.js';
export { pace, systemClock, type PaceOptions, type PacerClock } from './pacer.js';
export { simulateSpan, type SpanBatch, type SpanOptions } from './span.js';
export { parseEpisodeLog } from './episode-log.js';
export { MALFORMED_KINDS, malformedDescription, malformedReason, OUT_OF_RANGE_REASON, type MalformedKind, type RejectReason } from './malformed.js';
export { badMessageCorpus, robustnessTraffic, scenarioCases, type CorpusOptions, type ExpectedOutcome, type ReadingLevel, type ScenarioCase } from './scenario.js';
export { ACTIVITIES, type Activity, type EpisodeKind, type EpisodeRecord, type MessageKind, type SimMessage } from './types.js';
