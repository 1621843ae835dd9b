// The app killed with SIGKILL at random points while it drains a backlog, and restarted each time:
// every valid reading ends up stored exactly once, every bad message once with a dead-letter copy.
import { describe, expect, it } from 'vitest';
import {
  appEnv, createTopics, deadLetterValues, faultNames, knownTraffic, readingCount, readingsReach, storedCounts, storedRejects,
  useFaultRig, waitUntil,
} from './support/faults.js';
import { publish } from './support/pipeline.js';

const READINGS = 60_000;
const BAD = 30;
const KILLS = 3;
const LAYOUT = { partitions: 4 };

const rig = useFaultRig();

describe('heartbeat consume killed with SIGKILL while draining a backlog', () => {
  it('stores every valid reading exactly once and every bad message once, with its dead-letter copy', async () => {
    const { brokers, db, pool, logDir } = rig;
    const names = faultNames('crash');
    await createTopics(brokers, names, LAYOUT);
    const traffic = knownTraffic(READINGS, BAD);
    await publish(names.readings, traffic.messages, { brokers });
    const env = appEnv(brokers, names, db.url, LAYOUT, { LOG_DIR: logDir });
    const start = () => rig.runApp(['consume'], env);

    // Each kill lands when the stored count passes a random point of what is left to drain, so
    // it hits the app mid-stream (between a write and its commit, or anywhere else) wherever it is.
    const killedAt: number[] = [];
    for (let kill = 0; kill < KILLS; kill += 1) {
      const app = start();
      await app.waitForLog((l) => l.msg === 'workers consuming');
      const stored = await readingCount(pool);
      const remaining = READINGS - stored;
      const target = stored + Math.max(1, Math.floor(remaining * (0.1 + 0.3 * Math.random())));
      killedAt.push(await readingsReach(pool, target, 120_000));
      expect(await app.stop('SIGKILL')).toBe(137);
    }
    expect(killedAt.at(-1)).toBeLessThan(READINGS);

    const last = start();
    await readingsReach(pool, READINGS, 180_000);
    await waitUntil(async () => ((await storedCounts(pool)).rejects >= BAD ? true : undefined), 60_000, `${BAD} stored rejects`);
    expect(await last.stop('SIGINT')).toBe(0);

    const counts = await storedCounts(pool);
    expect({ killedAt: killedAt.length, ...counts }).toEqual({ killedAt: KILLS, readings: READINGS, distinctReadings: READINGS, rejects: BAD, distinctRejects: BAD });
    const rejects = await storedRejects(pool);
    expect([...rejects.keys()].sort()).toEqual([...traffic.bad].sort());
    expect(new Set(rejects.values())).toEqual(new Set(['invalid_json', 'missing_field:heart_rate', 'heart_rate_out_of_range']));
    // The dead-letter topic may hold a copy twice (written, then killed before the commit), never none.
    const copies = await deadLetterValues(brokers, names.deadLetter, traffic.bad);
    expect(traffic.bad.filter((v) => !copies.has(v))).toEqual([]);
  }, 400_000);
});
