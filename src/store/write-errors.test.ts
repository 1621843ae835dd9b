// Classification of write errors by SQLSTATE: what is retried with backoff, what is blamed on the rows.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { StoreWriteError } from '../errors.js';
import { classifyWriteError, storeRejectReason } from './write-errors.js';

/** An error as pg raises it for a server's ErrorResponse. */
const serverError = (code: string) => Object.assign(new pg.DatabaseError(`server says ${code}`, 0, 'error'), { code });

describe('classifyWriteError', () => {
  it('retries connection, serialization, deadlock, resource, shutdown and schema errors', () => {
    for (const code of ['08006', '08P01', '40001', '40P01', '53100', '53300', '57P01', '57P02', '57P03', '57014', '55P03', '58030', '42P01', '42501', '25006', 'XX001']) {
      expect([code, classifyWriteError(serverError(code)).retriable]).toEqual([code, true]);
    }
  });

  it('blames the rows for data, constraint and trigger errors, and names the SQLSTATE in the reject reason', () => {
    for (const code of ['22P02', '22003', '22P05', '23514', '23502', '23505', '21000', 'P0001', '40002']) {
      const error = classifyWriteError(serverError(code));
      expect([code, error.retriable, error.code, error.sqlstate]).toEqual([code, false, 'STORE_WRITE_FAILED', code]);
      expect(storeRejectReason(error)).toBe(`store_rejected:${code}`);
    }
  });

  it('retries what never got a verdict from the server (a reset socket, a terminated connection)', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    for (const thrown of [reset, new Error('Connection terminated unexpectedly'), 'not even an Error']) {
      const error = classifyWriteError(thrown);
      expect([error.retriable, error.sqlstate]).toEqual([true, undefined]);
      expect(error.cause).toBe(thrown);
    }
  });

  it('keeps an error already classified', () => {
    const error = new StoreWriteError(undefined, 'cannot encode', { retriable: false });
    expect(classifyWriteError(error)).toBe(error);
    expect(storeRejectReason(error)).toBe('store_rejected:invalid_value');
  });
});
