// The bench's reading of V8's --trace-gc-nvp lines: what it sums, and that it tells "tracing off".
import { describe, expect, it } from 'vitest';
import { summarizeGcTrace } from './gc-trace.js';

// Shortened lines in V8's format (Node 20), of two threads, with a log line and noise between.
const LINES = [
  '[900:0x3c10ecc0]       77 ms: pause=3.1 mutator=69.3 gc=s reduce_memory=0 heap.prologue=0.00 incremental.steps_count=0 incremental.steps_took=0.0 allocated=4000000 promoted=100000 new_space_survived=200000',
  '{"level":30,"msg":"worker consuming"}',
  '[900:0x7f7de8001000]     2815 ms: pause=2.0 mutator=10.3 gc=s reduce_memory=0 allocated=3000000 promoted=300000',
  '[900:0x7f7de8001000]     2900 ms: pause=13.5 mutator=40.1 gc=mc reduce_memory=0 incremental.steps_count=9 incremental.steps_took=4.5 allocated=1000000 promoted=600000',
  'not a gc line: gc= pause=x',
  // Two threads' lines run together, and a byte count V8 printed wrapped around: left out.
  '[900:0x3c10ecc0]       99 ms: pause=1.0 gc=s allocated=5[900:0x7f7de8001000]     3000 ms: pause=9.0 gc=s allocated=7',
  '[900:0x3c10ecc0]      120 ms: pause=0.0 mutator=1.0 gc=s allocated=18446744073709549000 promoted=0',
];

describe('summarizeGcTrace', () => {
  it('sums allocations, promotions and pauses of every thread, per reading', () => {
    expect(summarizeGcTrace(LINES, 1000)).toEqual({
      allocatedBytesPerReading: 8000, promotedBytesPerReading: 1000,
      scavenges: 3, scavengeMs: expect.closeTo(5.1, 6), markCompacts: 1, markCompactMs: expect.closeTo(18, 6),
    });
  });

  it('says undefined when the app printed no collections (tracing off)', () => {
    expect(summarizeGcTrace(['{"msg":"hello"}', 'plain text'], 1000)).toBeUndefined();
  });
});
