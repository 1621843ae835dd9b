// Rule: heart rate above 120 bpm for 10 continuous minutes of event time, not exercising: one episode.
import { defineSustainedRule } from '../src/rules/sustained.js';

export default defineSustainedRule({
  id: 'sustained-high',
  description: 'One anomaly per episode of heart rate above thresholdBpm for durationMs of event time while not in an exempt activity.',
  direction: 'above',
  thresholdBpm: 120,
  severity: 'warning',
});
