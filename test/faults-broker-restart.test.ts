// The app's only Kafka broker stopped in the middle of a stream and started again: the app
// reconnects by itself, consumes what was produced after the restart, and loses or doubles nothing.
import { describe, it } from 'vitest';
import { streamThroughFault, useFaultRig } from './support/faults.js';

const HALF = 20_000;
const BAD_PER_HALF = 10;
const LAYOUT = { partitions: 4 };

const rig = useFaultRig({ nodes: 1 });

describe('heartbeat consume while its Kafka broker restarts', () => {
  it('reconnects by itself and stores every reading of before and after the restart exactly once', async () => {
    await streamThroughFault(rig, 'broker-restart', LAYOUT, HALF, BAD_PER_HALF, async (app) => {
      const linesBefore = app.lines.length;
      await rig.cluster!.stopNode(1);
      // The app notices: its Kafka client reports the lost connection.
      await app.waitForLog((l) => app.lines.indexOf(l) >= linesBefore && l.component === 'kafka' && Number(l.level) >= 40, 60_000);
      await rig.cluster!.startNode(1);
      // The second half, published after the restart, arrives too: the workers consume again, not just drain.
    });
  }, 300_000);
});
