// `heartbeat evaluate --data` end to end on a slice of the shared Fitbit set: one person's two days
// and another's one day (16,190 readings), through the real CLI with the shipped rules. With the
// default config the recording meets the alert targets: it spends 7.9 % of its readings above
// 110 bpm, but in climbs that look like exercise (the band sends no activity), and its silences follow
// no abnormal readings. With the rules told to report those too, the figures are checked against
// the recording itself (counted with a script from its rows, independently of the rules): 3 runs
// above 110 bpm of 10 minutes or more, 9 gaps of more than a minute, and the command fails the target.
// No Kafka, no database; no timings asserted.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type LogLine } from './support/app.js';
import { useConfigFile } from './support/config-file.js';

/** Rows of 2022484408 on 2016-04-13 and -14 and of 7007744171 on 2016-04-13, from /work/shared/data/fitbit-5-users.csv.gz. */
const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/evaluate/fitbit-2-customers.csv.gz');

interface Figures { rule: string; rows: number; alerts: number; rowsPerCustomerDay: number; alertsPerCustomerDay: number; alertedDayShare: number }
interface Recordings { readings: number; customers: number; customerDays: number; rejects: number; rules: Figures[]; total: Figures; missed: string[] }

async function evaluateData(extra: string[], env: Record<string, string> = {}): Promise<{ code: number; recordings: Recordings; text: string }> {
  // A small simulated span: the recall column is not what is checked here.
  const app = runCli(['evaluate', '--customers', '10', '--hours', '1', ...extra, '--data', FIXTURE], env);
  const code = await app.exited;
  const line = app.lines.find((l): l is LogLine & { recordings: Recordings } => 'recordings' in l);
  if (line === undefined) throw new Error(`no recordings line; stderr:\n${app.stderr.join('\n')}`);
  return { code, recordings: line.recordings, text: app.lines.map((l) => l.msg ?? '').join('\n') };
}

describe('heartbeat evaluate --data', () => {
  const rule = (r: Recordings, id: string) => r.rules.find((f) => f.rule === id)!;

  it('meets the alert targets on a real recording with the default config', async () => {
    const { code, recordings: r, text } = await evaluateData([]);
    expect(r).toMatchObject({ readings: 16_190, customers: 2, customerDays: 3, rejects: 0 });
    for (const id of ['tachycardia', 'bradycardia', 'signal-loss', 'baseline-shift']) expect(rule(r, id), id).toMatchObject({ rows: 0, alerts: 0 });
    expect(r.total.alertsPerCustomerDay).toBeLessThanOrEqual(0.5);
    expect(r.total.rowsPerCustomerDay).toBeLessThanOrEqual(5);
    expect(r.missed).toEqual([]);
    expect(text).toContain('alerts per customer-day: 0.000 (target <= 0.5) ok; anomaly rows per customer-day: 0.00 (target <= 5) ok');
    // Not for want of high rates: the traffic table shows them.
    expect(text).toMatch(/^readings above 110 bpm +\S+ % +7\.89 %$/m);
    expect(code).toBe(0);
  }, 120_000);

  describe('with the rules told to report every long high run and every silence', () => {
    // Gradual climbs count once they last the 10-minute window (not only past a workout's length),
    // and signal-loss hears about every silence, as for a fleet of continuous monitors.
    const config = useConfigFile({ plugins: {
      tachycardia: { options: { likelyActiveForMs: 10 * 60_000 } },
      'signal-loss': { options: { mode: 'continuous' } },
    } });

    it('counts alerts and anomaly rows per customer-day as the pipeline would alert, and fails the target', async () => {
      const { code, recordings: r, text } = await evaluateData([], config);
      expect(r).toMatchObject({ readings: 16_190, customers: 2, customerDays: 3, rejects: 0 });
      // Runs above 110 bpm of at least 10 minutes with no gap over 2 minutes: 2022484408 from 13:02
      // (45 min) and 7007744171 from 12:02 and 12:31 (26 and 23 min) on 2016-04-13; one row each, and
      // 29 minutes apart, so no cool-down between them. Two of the three customer-days are alerted.
      expect(rule(r, 'tachycardia')).toMatchObject({ rows: 3, alerts: 3, rowsPerCustomerDay: 1, alertsPerCustomerDay: 1 });
      expect(rule(r, 'tachycardia').alertedDayShare).toBeCloseTo(2 / 3, 6);
      // Every gap of more than a minute while the band was off is a signal-loss episode: 9 rows, one
      // of them within 5 minutes of another, so 8 alerts.
      expect(rule(r, 'signal-loss')).toMatchObject({ rows: 9, alerts: 8 });
      for (const id of ['bradycardia', 'baseline-shift']) expect(rule(r, id), id).toMatchObject({ rows: 0, alerts: 0 });
      expect(r.total).toMatchObject({ rows: 12, alerts: 11, rowsPerCustomerDay: 4, alertedDayShare: 1 });
      expect(r.total.alertsPerCustomerDay).toBeCloseTo(11 / 3, 6);
      // Over the alerts target (rows are within theirs): the command says so and fails.
      expect(r.missed).toEqual(['recordings: 3.67 alerts per customer-day > 0.5']);
      expect(text).toContain('alerts per customer-day: 3.667 (target <= 0.5) HIGH; anomaly rows per customer-day: 4.00 (target <= 5) ok');
      expect(text).toMatch(/^tachycardia +(?:\S+(?: ok| LOW)? +){2}3 +1\.00 +3 +1\.000 +66\.7 %$/m);
      expect(code).toBe(1);
    }, 120_000);
  });

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
