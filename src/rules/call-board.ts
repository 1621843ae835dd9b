// What a worker thread's rule engine is running right now, in shared memory, so the main thread
// can read it while the thread's event loop is blocked by a plugin that does not return (a
// synchronous loop cannot be interrupted from inside, only seen from outside and terminated).
//
// Written on the hot path: per reading, a sequence bump and the message's partition and offset;
// per plugin call, its index. Plain typed-array stores (the sequence with Atomics.store), no clock
// read: the reader times a stall itself by seeing the same sequence, still busy, across its checks.

const SEQ = 0, PLUGIN = 1, PARTITION = 2, THREAD = 3;
/** Int32 slots, then one Float64 (the offset) aligned on 8 bytes. */
const INT_SLOTS = 4;
const BYTES = INT_SLOTS * 4 + 8;
const IDLE = -1;

/** What the engine was doing when the board was read. */
export interface CallSample {
  /** Bumped per reading: the same value, busy, on two reads means the same reading all along. */
  seq: number;
  /** Index of the plugin being called, in RuleEngine.stats() order; -1 between readings. */
  plugin: number;
  partition: number;
  /** Kafka offset of the reading's message (exact below 2^53, which offsets never reach in practice). */
  offset: string;
  /** threadId of the writer, set once it starts. */
  threadId: number;
}

/** A shared board: the worker thread writes, the orchestrator reads. */
export class CallBoard {
  private readonly ints: Int32Array;
  private readonly offset: Float64Array;

  /** Wraps `buffer` (from CallBoard.allocate(), passed to the thread in its task). */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.ints = new Int32Array(buffer, 0, INT_SLOTS);
    this.offset = new Float64Array(buffer, INT_SLOTS * 4, 1);
  }

  static allocate(): CallBoard {
    const board = new CallBoard(new SharedArrayBuffer(BYTES));
    board.ints[PLUGIN] = IDLE;
    return board;
  }

  /** Writer: the thread that writes (its threadId). */
  claim(threadId: number): void { Atomics.store(this.ints, THREAD, threadId); }

  /** Writer: a reading of (partition, offset) is being processed. `offset` is Number(message.offset). */
  enter(partition: number, offset: number): void {
    this.ints[PARTITION] = partition;
    this.offset[0] = offset;
    this.ints[PLUGIN] = IDLE;
    Atomics.add(this.ints, SEQ, 1);
  }

  /** Writer: plugin `index` is being called. */
  at(index: number): void { this.ints[PLUGIN] = index; }

  /** Writer: the reading is done. */
  leave(): void { this.ints[PLUGIN] = IDLE; }

  /** Reader: the current state. */
  read(): CallSample {
    return {
      seq: Atomics.load(this.ints, SEQ), plugin: Atomics.load(this.ints, PLUGIN), partition: Atomics.load(this.ints, PARTITION),
      offset: String(this.offset[0]), threadId: Atomics.load(this.ints, THREAD),
    };
  }
}
