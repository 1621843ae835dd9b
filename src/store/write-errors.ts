// Classifies a failed write by its SQLSTATE (never by message text): retry it, or find the rows
// the table refuses. A data error retried forever blocked its partition; a server error treated
// as a data error would send good readings to the dead-letter topic.
import pg from 'pg';
import { StoreWriteError } from '../errors.js';

/**
 * SQLSTATE classes and codes a retry with backoff can fix, or that no row can be blamed for (every
 * row would fail alike, so isolating them would reject the whole stream):
 * 08 connection, 25 invalid transaction state (e.g. a read-only standby), 28 authorization,
 * 3D/3F missing database or schema, 42 a table or column missing or no privilege (a migration
 * not applied), 53 insufficient resources (disk full, out of memory, too many connections),
 * 55 object in use or lock not available, 57 operator intervention (admin shutdown, crash
 * shutdown, cannot connect now, query cancelled or timed out), 58 system (I/O) errors,
 * F0 configuration files, XX internal errors (corruption); 40001 serialization failure,
 * 40P01 deadlock, 40003 statement completion unknown.
 * Everything else (22 data exception, 23 integrity constraint, P0 a trigger's RAISE, ...) is
 * about the rows.
 */
const RETRIABLE_CLASSES = new Set(['08', '25', '28', '3D', '3F', '42', '53', '55', '57', '58', 'F0', 'XX']);
const RETRIABLE_CODES = new Set(['40001', '40P01', '40003']);

/** True when a retry (or an operator), not a change of the rows, fixes a failure with this SQLSTATE. */
export function isRetriableSqlState(sqlstate: string): boolean {
  return RETRIABLE_CODES.has(sqlstate) || RETRIABLE_CLASSES.has(sqlstate.slice(0, 2));
}

/**
 * Wraps what a query threw. An error the server sent carries a SQLSTATE and is classified by it;
 * anything else (a socket reset, "connection terminated", a pool timeout) never reached a verdict
 * on the rows and is retriable.
 */
export function classifyWriteError(error: unknown): StoreWriteError {
  if (error instanceof StoreWriteError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof pg.DatabaseError && typeof error.code === 'string') {
    return new StoreWriteError(error.code, message, { cause: error, retriable: isRetriableSqlState(error.code) });
  }
  return new StoreWriteError(undefined, message, { cause: error, retriable: true });
}

/** The reject reason of a reading the table refused: store_rejected:<sqlstate>, or store_rejected:invalid_value when it could not even be sent. */
export function storeRejectReason(error: StoreWriteError): string {
  return `store_rejected:${error.sqlstate ?? 'invalid_value'}`;
}
