// `heartbeat evaluate --data` end to end on a slice of the shared Fitbit set: one person's two days
// and another's one day (16,190 readings), through the real CLI with the shipped rules and the
// default config. The figures are checked against the recording itself: tachycardia reports every
// reading above 110 bpm (1,277 rows, counted with awk) and the 5-minute cool-down makes them 19
// alerts (counted by hand from those readings' times). No Kafka, no database; no timings asserted.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type LogLine } from './support/app.js';

/** Rows of 2022484408 on 2016-04-13 and -14 and of 7007744171 on 2016-04-13, from /work/shared/data/fitbit-5-users.csv.gz. */
const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/evaluate/fitbit-2-customers.csv.gz');

interface Figures { rule: string; rows: number; alerts: number; rowsPerCustomerDay: number; alertsPerCustomerDay: number; alertedDayShare: number }
interface Recordings { readings: number; customers: number; customerDays: number; rejects: number; rules: Figures[]; total: Figures; missed: string[] }

async function evaluateData(extra: string[]): Promise<{ code: number; recordings: Recordings; text: string }> {
  // A small simulated span: the recall column is not what is checked here.
  const app = runCli(['evaluate', '--customers', '10', '--hours', '1', ...extra, '--data', FIXTURE], {});
  const code = await app.exited;
  const line = app.lines.find((l): l is LogLine & { recordings: Recordings } => 'recordings' in l);
  if (line === undefined) throw new Error(`no recordings line; stderr:\n${app.stderr.join('\n')}`);
  return { code, recordings: line.recordings, text: app.lines.map((l) => l.msg ?? '').join('\n') };
}

describe('heartbeat evaluate --data', () => {
  it('counts alerts and anomaly rows per customer-day on a real recording, as the pipeline would alert', async () => {
    const { code, recordings: r, text } = await evaluateData([]);
    expect(r).toMatchObject({ readings: 16_190, customers: 2, customerDays: 3, rejects: 0 });
    const rule = (id: string) => r.rules.find((f) => f.rule === id)!;
    expect(rule('tachycardia')).toMatchObject({ rows: 1277, alerts: 19, alertedDayShare: 1 });
    expect(rule('tachycardia').alertsPerCustomerDay).toBeCloseTo(19 / 3, 6);
    // Every gap of more than a minute while the band was off is a signal-loss episode: 9 rows, one
    // of them within 5 minutes of another, so 8 alerts.
    expect(rule('signal-loss')).toMatchObject({ rows: 9, alerts: 8 });
    for (const id of ['bradycardia', 'sustained-high', 'sustained-low', 'baseline-shift']) expect(rule(id), id).toMatchObject({ rows: 0, alerts: 0 });
    expect(r.total).toMatchObject({ rows: 1286, alerts: 27, alertsPerCustomerDay: 9, alertedDayShare: 1 });
    // Far over the issue-13 targets: the command says so and fails.
    expect(r.missed).toEqual(['recordings: 9.00 alerts per customer-day > 0.5', 'recordings: 428.67 anomaly rows per customer-day > 5']);
    expect(text).toContain('alerts per customer-day: 9.000 (target <= 0.5) HIGH');
    expect(text).toMatch(/^tachycardia +\S+(?: ok| LOW)? +1277 +425\.67 +19 +6\.333 +100\.0 %$/m);
    expect(code).toBe(1);
  }, 120_000);

  it('--sample-days 1 keeps only each customer\'s first UTC day', async () => {
    const { recordings: r } = await evaluateData(['--sample-days', '1']);
    expect(r).toMatchObject({ customers: 2, customerDays: 2 });
    expect(r.readings).toBeLessThan(16_190);
    expect(r.readings).toBeGreaterThan(0);
  }, 120_000);

  it('refuses --plot and --sample-days without recordings, and a stray file without --data (usage, exit 2)', async () => {
    for (const args of [['--plot', 'out.svg'], ['--sample-days', '2'], [FIXTURE]]) {
      const app = runCli(['evaluate', ...args], {});
      expect(await app.exited, args.join(' ')).toBe(2);
      const failure = app.lines.find((l) => l.msg === 'heartbeat failed') as { code?: string; err?: { message?: string } } | undefined;
      expect(failure?.code, args.join(' ')).toBe('USAGE');
      expect(failure?.err?.message, args.join(' ')).toMatch(/--data/);
    }
  }, 60_000);
});
