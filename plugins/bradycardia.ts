// Rule: a heart rate below 50 bpm is an anomaly (warning), below 40 critical. One anomaly per
// reading that crosses the threshold (the anomalies table); episodes are sustained-low's job.
import { defineRule, z } from '../src/rules/index.js';

export default defineRule({
  meta: {
    id: 'bradycardia',
    kind: 'rule',
    version: '1.0.0',
    description: 'Reports each reading below belowBpm (warning), or below criticalBelowBpm (critical), unless its activity is ignored.',
    options: z.object({
      belowBpm: z.number().default(50),
      criticalBelowBpm: z.number().default(40),
      /** Activities whose low readings are expected, e.g. ["sleep"] for athletes. */
      ignoreActivities: z.array(z.enum(['sleep', 'rest', 'walk', 'exercise'])).default([]),
    }).refine((o) => o.criticalBelowBpm <= o.belowBpm, { message: 'criticalBelowBpm must not exceed belowBpm' }),
    messages: {
      low: 'Heart rate {{heartRate}} bpm is below {{threshold}} bpm',
    },
  },
  create({ belowBpm, criticalBelowBpm, ignoreActivities }) {
    return (reading, ctx) => {
      const bpm = reading.heartRate;
      if (bpm >= belowBpm || (reading.activity !== undefined && ignoreActivities.includes(reading.activity))) return;
      const critical = bpm < criticalBelowBpm;
      ctx.report({
        messageId: 'low', severity: critical ? 'critical' : 'warning',
        data: { heartRate: bpm, threshold: critical ? criticalBelowBpm : belowBpm },
      });
    };
  },
});
