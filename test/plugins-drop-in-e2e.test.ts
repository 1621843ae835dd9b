// What a user does: drop a new rule file (and its options) into a plugins directory and run the
// app with nothing else changed. The README's example rule, copied next to the shipped plugins,
// is listed by `heartbeat plugins` and reports through the running `consume` app into `anomalies`.
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/app.js';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';
import { count, pipelineNames, publish, readingMessage, runCommand, waitForCounts, type PipelineNames } from './support/pipeline.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = pathToFileURL(path.join(ROOT, 'src')).href;
const EXAMPLE = path.join(ROOT, 'test/fixtures/plugins-readme-example/resting-high.ts');
// An hour ago, on a whole minute: recent enough for the `range` validator's maximum age whatever the
// day the suite runs (a fixed date here broke the suite once it was a week old).
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;

let db: TestDatabase;
let pool: pg.Pool;
let names: PipelineNames;
let dir: string;

/**
 * A plugins directory outside the repo: the shipped plugins and the README example, their imports
 * of the rule API pointed at this checkout (inside the repo they are relative: '../src/...').
 */
async function pluginsDir(): Promise<string> {
  const target = await mkdtemp(path.join(os.tmpdir(), 'heartbeat-drop-in-'));
  // Outside the repo, Node needs to be told the files are ES modules (plugins/README.md says so).
  await writeFile(path.join(target, 'package.json'), '{"type": "module"}\n');
  const relocate = async (from: string, prefix: string) => {
    const text = await readFile(from, 'utf8');
    await writeFile(path.join(target, path.basename(from)), text.replaceAll(`'${prefix}src/`, `'${SRC}/`));
  };
  for (const file of await readdir(path.join(ROOT, 'plugins'))) {
    if (file.endsWith('.ts') && !file.endsWith('.test.ts')) await relocate(path.join(ROOT, 'plugins', file), '../');
  }
  await relocate(EXAMPLE, '../../../');
  // The drop-in's own test file travels with it; the loader must skip it.
  await copyFile(EXAMPLE.replace(/\.ts$/, '.test.ts'), path.join(target, 'resting-high.test.ts'));
  return target;
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await openPool(db.url);
  dir = await pluginsDir();
  // Options for the new plugin from config, as a user would set them: a 95 bpm limit; and a shipped
  // rule's beside it: tachycardia episodes of one second, so a few readings show it still runs.
  const configFile = path.join(dir, 'heartbeat.json');
  await writeFile(configFile, JSON.stringify({ plugins: { 'resting-high': { options: { maxBpm: 95 } }, tachycardia: { options: { durationMs: 1000 } } } }));
  names = pipelineNames('drop-in', db.url, { PLUGINS_DIR: dir, HEARTBEAT_CONFIG: configFile });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
  names?.cleanup();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('a rule dropped into the plugins directory', () => {
  it('is listed by `heartbeat plugins` with its options from config', async () => {
    const { code, stdout, stderr } = await runCommand(['plugins'], names.env);
    expect(code, stderr).toBe(0);
    const line = stdout.split('\n').find((l) => l.includes('resting-high'));
    expect(line).toBeDefined();
    expect(line).toContain('rule');
    expect(line).toContain('1.0.0');
    expect(stdout).toContain('"maxBpm":95');
  });

  it('runs in the app: its anomalies reach the anomalies table, next to the shipped rules', async () => {
    const app = runCli(['consume'], names.env);
    try {
      await app.waitForLog((l) => l.msg === 'workers consuming');
      // One resting customer, one reading a second: 90 (fine), 96 and 99 (over the configured 95, under
      // tachycardia's 110), 120 and 125 (both: a second above 110 at rest), then 98 while walking (not resting: fine).
      const bpm = [90, 96, 99, 120, 125];
      const messages = bpm.map((b, i) => readingMessage('CUST-DROPIN', T0 + i * 1000, b, { activity: 'rest' }));
      messages.push(readingMessage('CUST-DROPIN', T0 + 5000, 98, { activity: 'walk' }));
      await publish(names.topic, messages);
      await waitForCounts(pool, { heartbeats: 6 }, 60_000);
      // The anomalies of a batch are written with its readings: the counts are final once the rows are there.
      const { rows } = await pool.query<{ ms: string; detail: { heartRate: number; maxBpm: number; message: string } }>(
        `SELECT (extract(epoch FROM event_time) * 1000)::bigint::text AS ms, detail FROM anomalies WHERE rule = 'resting-high' ORDER BY event_time`);
      expect(rows.map((r) => [Number(r.ms) - T0, r.detail.heartRate, r.detail.maxBpm])).toEqual([[1000, 96, 95], [2000, 99, 95], [3000, 120, 95], [4000, 125, 95]]);
      expect(rows[0]!.detail.message).toBe('Heart rate 96 bpm while rest (limit 95)');
      // The shipped rules still run beside it: one tachycardia episode, from 120 to 125 bpm.
      expect(await count(pool, `SELECT count(*) FROM anomalies WHERE rule = 'tachycardia' AND event_time = $1 AND episode_end = $2`,
        [new Date(T0 + 3000), new Date(T0 + 4000)])).toBe(1);
      expect(await count(pool, `SELECT count(*) FROM anomalies WHERE rule = 'tachycardia'`)).toBe(1);
      expect(await app.stop('SIGTERM')).toBe(0);
    } finally {
      await app.stop('SIGKILL');
    }
  });
});
