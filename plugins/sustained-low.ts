// Rule: heart rate below 40 bpm for 10 continuous minutes of event time, not exercising: one episode.
import { defineSustainedRule } from '../src/rules/sustained.js';

export default defineSustainedRule({
  id: 'sustained-low',
  description: 'One anomaly per episode of heart rate below thresholdBpm for durationMs of event time while not in an exempt activity.',
  direction: 'below',
  thresholdBpm: 40,
  severity: 'critical',
});
