import { describe, expect, it } from 'vitest';
import { CallBoard } from '../rules/call-board.js';
import { PoisonLedger, StallDetector } from './watchdog.js';

describe('StallDetector', () => {
  it('sees a plugin call that stays on the same reading for the limit, and not before', () => {
    const board = CallBoard.allocate();
    const detector = new StallDetector(3000);
    board.enter(2, 41);
    board.at(1);
    expect(detector.check(board.read(), 0)).toBeUndefined();
    expect(detector.check(board.read(), 2999)).toBeUndefined();
    expect(detector.check(board.read(), 3000)).toMatchObject({ partition: 2, offset: '41', plugin: 1 });
  });

  it('restarts its clock when the thread moves on: a new reading, another plugin, or idle', () => {
    const board = CallBoard.allocate();
    const detector = new StallDetector(3000);
    board.enter(0, 1);
    board.at(0);
    detector.check(board.read(), 0);
    board.at(1);
    expect(detector.check(board.read(), 2000)).toBeUndefined();
    expect(detector.check(board.read(), 4000)).toBeUndefined();
    board.leave();
    expect(detector.check(board.read(), 6000)).toBeUndefined();
    board.enter(0, 2);
    board.at(1);
    expect(detector.check(board.read(), 7000)).toBeUndefined();
    expect(detector.check(board.read(), 9000)).toBeUndefined();
    expect(detector.check(board.read(), 10_000)).toMatchObject({ offset: '2' });
  });

  it('never fires on an idle thread', () => {
    const board = CallBoard.allocate();
    const detector = new StallDetector(10);
    expect(detector.check(board.read(), 0)).toBeUndefined();
    expect(detector.check(board.read(), 1e9)).toBeUndefined();
  });
});

describe('PoisonLedger', () => {
  it('quarantines a message on its second kill, once', () => {
    const ledger = new PoisonLedger();
    expect(ledger.record(1, '7', 'spin')).toEqual({ kills: 1, quarantined: false });
    expect(ledger.record(0, '7', 'spin')).toEqual({ kills: 1, quarantined: false });
    expect(ledger.entries()).toEqual([]);
    expect(ledger.record(1, '7', 'spin')).toEqual({ kills: 2, quarantined: true });
    expect(ledger.record(1, '7', 'spin')).toEqual({ kills: 3, quarantined: true });
    expect(ledger.entries()).toEqual([{ partition: 1, offset: '7', pluginId: 'spin' }]);
  });
});
