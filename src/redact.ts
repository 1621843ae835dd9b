// Keeps secrets out of logs and messages: one place that knows what a secret looks like.

/** The pino redact paths: any of these keys, at the top level or one or two levels down. */
export const REDACT_KEYS = ['password', 'token', 'secret', 'sasl', 'authorization', 'databaseUrl', 'connectionString'];
export const REDACT_PATHS = REDACT_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** postgres://user:secret@host/db -> postgres://user:***@host/db (anything unparseable is hidden whole). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL hidden)';
  }
}
