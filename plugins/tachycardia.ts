// Rule: a heart rate above 110 bpm is an anomaly (warning) unless the activity explains it
// (exercise by default); above 200 it is critical whatever the activity. One anomaly per reading.
import { defineRule, z } from '../src/rules/index.js';

export default defineRule({
  meta: {
    id: 'tachycardia',
    kind: 'rule',
    version: '1.0.0',
    description: 'Reports each reading above aboveBpm (warning) unless its activity is exempt, and above criticalAboveBpm (critical) always.',
    options: z.object({
      aboveBpm: z.number().default(110),
      criticalAboveBpm: z.number().default(200),
      exemptActivities: z.array(z.enum(['sleep', 'rest', 'walk', 'exercise'])).default(['exercise']),
    }).refine((o) => o.aboveBpm <= o.criticalAboveBpm, { message: 'aboveBpm must not exceed criticalAboveBpm' }),
    messages: {
      high: 'Heart rate {{heartRate}} bpm is above {{threshold}} bpm',
    },
  },
  create({ aboveBpm, criticalAboveBpm, exemptActivities }) {
    return (reading, ctx) => {
      const bpm = reading.heartRate;
      if (bpm > criticalAboveBpm) {
        ctx.report({ messageId: 'high', severity: 'critical', data: { heartRate: bpm, threshold: criticalAboveBpm } });
      } else if (bpm > aboveBpm && !(reading.activity !== undefined && exemptActivities.includes(reading.activity))) {
        ctx.report({ messageId: 'high', severity: 'warning', data: { heartRate: bpm, threshold: aboveBpm } });
      }
    };
  },
});
