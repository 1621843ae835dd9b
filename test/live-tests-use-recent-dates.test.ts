// Fails when a live-app test (one that runs the pipeline: `start`, `consume` or `simulate`, or a
// fixture that starts them), or the support code that starts it, writes a fixed date. The app's `range` validator rejects readings
// older than 7 days, so such a test passes until a week after that date and then fails for no
// change of code. Live-app tests take their times from Date.now(); fixed dates belong in tests
// where no clock-relative rule applies (unit tests, direct writes to the database).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const TEST_DIR = import.meta.dirname;

/** Runs the app's pipeline: a command that consumes or publishes live, or a fixture that starts one. */
const LIVE = [/\brunCli\(\s*\[\s*'(start|consume|simulate)'/, /\b(usePipeline|useDashboardApp|useFaultRig|streamThroughFault)\(/];

/** A calendar date or a point in time written into the code. */
const FIXED_DATES = [
  /\b(19|20)\d\d-[01]\d-[0-3]\d(?!\d)/, // an ISO date, with or without a time
  /\bDate\.UTC\(/,
  /\bnew Date\(\s*\d/, // new Date(2026, ...) or new Date(1764000000000)
  /\b1_?[4-9]\d{2}_?\d{3}_?\d{3}_?\d{3}\b/, // epoch milliseconds of 2014-2033
];

/** The code of a file without its comments (a comment may name a date: it changes nothing). */
function code(source: string): string[] {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').split('\n').map((line) => (line.trimStart().startsWith('//') ? '' : line.replace(/\s\/\/\s.*$/, '')));
}

const isLive = (source: string) => LIVE.some((re) => code(source).some((l) => re.test(l)));

/** The lines of `source` that write a fixed date, as "line: text"; none for a test that is not live. */
function fixedDatesInLiveTest(source: string): string[] {
  if (!isLive(source)) return [];
  return code(source).flatMap((l, i) => (FIXED_DATES.some((re) => re.test(l)) ? [`${i + 1}: ${l.trim()}`] : []));
}

describe('live-app tests use dates relative to now', () => {
  it('the check finds a fixed date in a live test, and none in a test that is not live or is relative', () => {
    const live = "const fixture = usePipeline('x');\n";
    expect(fixedDatesInLiveTest(`${live}publish(t, [readingMessage('c', Date.parse('2026-11-23T07:00:00Z'), 80)]);`)).toHaveLength(1);
    expect(fixedDatesInLiveTest(`${live}const t = Date.UTC(2026, 10, 23);`)).toHaveLength(1);
    expect(fixedDatesInLiveTest(`${live}const t = 1_764_000_000_000;`)).toHaveLength(1);
    expect(fixedDatesInLiveTest("const app = runCli(['consume'], env);\nconst t = new Date(2026, 10, 23);")).toHaveLength(1);
    expect(fixedDatesInLiveTest(`${live}const t = Date.now() - 60_000; // not 2026-11-23: the range validator`)).toEqual([]);
    expect(fixedDatesInLiveTest("const app = runCli(['evaluate'], {});\nconst T = Date.parse('2026-11-23T00:00:00Z');")).toEqual([]);
  });

  // The test files and their support code (the helpers that make readings for the app); this file
  // is left out: its examples above are fixed dates in live code on purpose.
  const files = [
    ...readdirSync(TEST_DIR).filter((f) => f.endsWith('.test.ts') && f !== path.basename(import.meta.filename)),
    ...readdirSync(path.join(TEST_DIR, 'support')).filter((f) => f.endsWith('.ts')).map((f) => path.join('support', f)),
  ];
  it('finds the live tests', () => {
    expect(files.filter((f) => isLive(readFileSync(path.join(TEST_DIR, f), 'utf8'))).length).toBeGreaterThan(10);
  });
  it.each(files)('%s', (file) => {
    expect(fixedDatesInLiveTest(readFileSync(path.join(TEST_DIR, file), 'utf8')), 'fixed dates in a live-app test: use Date.now()').toEqual([]);
  });
});
