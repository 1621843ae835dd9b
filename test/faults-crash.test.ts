// The app killed with SIGKILL at random points while it drains a backlog, and restarted each time:
// every valid reading ends up stored exactly once, every bad message once with a dead-letter copy.
import { describe, expect, it } from 'vitest';
import {
  appEnv, createTopics, expectDeadLetterCopies, faultNames, knownTraffic, readingsReach, rejectsReach, storedCounts,
  storedRejects, useFaultRig,
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

    // Kill k lands when the stored count passes a random point in the k-th of KILLS + 1 slices of
    // the backlog, so it hits the app mid-stream (between a write and its commit, or anywhere else)
    // however fast it drains. The targets are fixed up front: a restarted app may drain thousands of
    // readings before it logs that it consumes, and a target taken from the count then could lie
    // past the end of the backlog.
    const slice = READINGS / (KILLS + 1);
    const targets = Array.from({ length: KILLS }, (_, k) => Math.floor(slice * (k + 0.2 + 0.6 * Math.random())));
    const killedAt: number[] = [];
    for (const target of targets) {
      const app = start();
      killedAt.push(await readingsReach(pool, target, 120_000));
      expect(await app.stop('SIGKILL')).toBe(137);
    }
    expect(killedAt.at(-1)).toBeLessThan(READINGS);

    const last = start();
    await readingsReach(pool, READINGS, 180_000);
    await rejectsReach(pool, BAD);
    expect(await last.stop('SIGINT')).toBe(0);

    const counts = await storedCounts(pool);
    expect({ killedAt: killedAt.length, ...counts }).toEqual({ killedAt: KILLS, readings: READINGS, distinctReadings: READINGS, rejects: BAD, distinctRejects: BAD });
    const rejects = await storedRejects(pool);
    expect([...rejects.keys()].sort()).toEqual([...traffic.bad].sort());
    expect(new Set(rejects.values())).toEqual(new Set(['invalid_json', 'missing_field:heart_rate', 'heart_rate_out_of_range']));
    // The dead-letter topic may hold a copy twice (written, then killed before the commit), never none.
    await expectDeadLetterCopies(brokers, names.deadLetter, traffic.bad);
  }, 400_000);
});
