import { describe, expect, it } from 'vitest';
import { TurnBatcher } from './turn-batcher.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('TurnBatcher', () => {
  it('hands what was added in one turn over as one group, and a later add as the next', async () => {
    const groups: number[][] = [];
    const batcher = new TurnBatcher(async (items: number[]) => {
      groups.push(items);
      return items.length;
    }, { flushAt: 1000, sizeOf: () => 1 });
    const first = [batcher.add(1), batcher.add(2), batcher.add(3)];
    await nextTurn();
    const later = batcher.add(4);
    expect(await Promise.all(first)).toEqual([3, 3, 3]);
    expect(await later).toBe(1);
    expect(groups).toEqual([[1, 2, 3], [4]]);
  });

  it('cuts a group as soon as it measures flushAt, without waiting for the turn to end', async () => {
    const groups: number[][] = [];
    const batcher = new TurnBatcher(async (items: number[]) => {
      groups.push(items);
    }, { flushAt: 100, sizeOf: (n) => n });
    const big = batcher.add(150);
    // Handed over before this turn ends: a drain's large chunk does not wait for the others.
    await Promise.resolve();
    await Promise.resolve();
    expect(groups).toEqual([[150]]);
    const small = [batcher.add(40), batcher.add(50), batcher.add(20), batcher.add(5)];
    await Promise.all([big, ...small]);
    expect(groups).toEqual([[150], [40, 50, 20], [5]]);
  });

  it('rejects every member of a group whose handling failed, and keeps working afterwards', async () => {
    let fail = true;
    const batcher = new TurnBatcher(async (items: string[]) => {
      if (fail) throw new Error(`database away (${items.join(',')})`);
      return 'written';
    }, { flushAt: 10, sizeOf: () => 1 });
    const failed = [batcher.add('a'), batcher.add('b')];
    for (const p of failed) await expect(p).rejects.toThrow('database away (a,b)');
    fail = false;
    await expect(batcher.add('c')).resolves.toBe('written');
  });

  it('rejects the group when the handler throws synchronously', async () => {
    const batcher = new TurnBatcher((): Promise<void> => {
      throw new Error('bad group');
    }, { flushAt: 10, sizeOf: () => 1 });
    await expect(batcher.add(1)).rejects.toThrow('bad group');
  });
});
