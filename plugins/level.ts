// Rule: classifies every reading (critical_low ... critical_high); the level is stored on its row.
import { defineRule, z } from '../src/rules/index.js';

export default defineRule({
  meta: {
    id: 'level',
    kind: 'rule',
    version: '1.0.0',
    description: 'Classifies each reading: critical_low < 40, low < 60, normal <= 100, elevated <= 160, high <= 200, else critical_high.',
    options: z.object({
      criticalLowBelow: z.number().default(40),
      lowBelow: z.number().default(60),
      normalMax: z.number().default(100),
      elevatedMax: z.number().default(160),
      highMax: z.number().default(200),
    }).refine((o) => o.criticalLowBelow <= o.lowBelow && o.lowBelow <= o.normalMax && o.normalMax <= o.elevatedMax && o.elevatedMax <= o.highMax, {
      message: 'thresholds must increase: criticalLowBelow <= lowBelow <= normalMax <= elevatedMax <= highMax',
    }),
  },
  create({ criticalLowBelow, lowBelow, normalMax, elevatedMax, highMax }) {
    return (reading, ctx) => {
      const bpm = reading.heartRate;
      ctx.setLevel(bpm < criticalLowBelow ? 'critical_low' : bpm < lowBelow ? 'low' : bpm <= normalMax ? 'normal'
        : bpm <= elevatedMax ? 'elevated' : bpm <= highMax ? 'high' : 'critical_high');
    };
  },
});
