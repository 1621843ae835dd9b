import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createBootLogger } from './log.js';
import { isCredentialKey, isUrlKey, redactLine, redactText, redactUrl } from './redact.js';

describe('redactUrl', () => {
  it('hides the password of the user part and of every secret-named query parameter', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/hb')).toBe('postgres://app:***@db:5432/hb');
    expect(redactUrl('postgres://app@db/hb?password=s3cret')).toBe('postgres://app@db/hb?password=***');
    expect(redactUrl('postgres://app@db/hb?sslmode=verify-full&sslpassword=k3y&application_name=hb'))
      .toBe('postgres://app@db/hb?sslmode=verify-full&sslpassword=***&application_name=hb');
    expect(redactUrl('https://grafana.example/api?PASSWORD=x&Token=y')).not.toMatch(/=x|=y/);
  });

  it('returns a URL without secrets unchanged, and hides an unparseable one whole', () => {
    expect(redactUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/');
    expect(redactUrl('postgres://app:s3 cret@[db/hb')).toBe('(unparseable URL hidden)');
  });
});

describe('redactText', () => {
  it('hides URLs\' passwords, password= pairs and HTTP credentials inside free text', () => {
    const text = 'Cannot connect to PostgreSQL at postgres://app@db/hb?password=s3cret: refused; ' +
      'dsn host=db user=app password=hunter2 sslpassword=k3y; sent Authorization: Bearer abc.def-123 and Basic dXNlcjpwYXNz';
    const out = redactText(text);
    for (const secret of ['s3cret', 'hunter2', 'k3y', 'abc.def-123', 'dXNlcjpwYXNz']) expect(out).not.toContain(secret);
    expect(out).toContain('postgres://app@db/hb?password=***');
  });

  it('keeps a JSON line valid: a URL ends at an escaped quote', () => {
    const line = JSON.stringify({ msg: 'failed "http://u:pw@h/x\\"" then' });
    expect(() => JSON.parse(redactText(line))).not.toThrow();
    expect(redactText(line)).not.toContain(':pw@');
  });
});

describe('redactLine', () => {
  it('recognises credential and URL keys in any case and with any separators', () => {
    for (const k of ['password', 'PASSWORD', 'sslPassword', 'dashboard_token', 'Authorization', 'x-api-key', 'DASHBOARD_TOKEN', 'sessionSecret', 'set-cookie']) {
      expect(isCredentialKey(k), k).toBe(true);
    }
    for (const k of ['url', 'DATABASE_URL', 'databaseUrl', 'connectionString', 'database.url']) expect(isUrlKey(k), k).toBe(true);
    for (const k of ['customerId', 'partition', 'pathname', 'heartRate']) expect(isCredentialKey(k) || isUrlKey(k), k).toBe(false);
  });

  it('censors credentials at any depth, shows URLs redacted, keeps flags and the line valid JSON', () => {
    const line = JSON.stringify({
      a: { b: { c: { d: { password: 'p4ss' } } } },
      headers: { Authorization: 'Bearer t0k3n', 'Set-Cookie': 'heartbeat_session=c00kie' },
      DATABASE_URL: 'postgres://app:u5er@db/hb',
      url: 'postgres://app@db/hb?password=qu3ry',
      tokenRequired: true,
      sasl: { mechanism: 'plain', password: 'sa5l "quoted\\" secret' },
      cause: { config: { connectionString: 'postgres://a:deep-secret@h/d' } },
    });
    const out = redactLine(line);
    for (const secret of ['p4ss', 't0k3n', 'c00kie', 'u5er', 'qu3ry', 'sa5l', 'deep-secret']) expect(out).not.toContain(secret);
    expect(JSON.parse(out)).toMatchObject({ tokenRequired: true, sasl: { mechanism: 'plain', password: '[redacted]' }, DATABASE_URL: 'postgres://app:***@db/hb' });
  });
});

describe('the logger', () => {
  it('writes no secret in any form, messages and stacks included', async () => {
    // The boot logger has the same options as every logger of the app; here on a memory stream.
    const lines: string[] = [];
    const log = createBootLogger('info', new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } }));
    const err = new Error('Cannot connect to postgres://app@db/hb?password=m5g-secret');
    log.error(err);
    log.error({ err, config: { database: { url: 'postgres://app:cfg-secret@db/hb' } }, request: { headers: { AUTHORIZATION: 'Bearer hdr-secret' } } }, 'request failed');
    log.info({ DATABASE_URL: 'postgres://app@db/hb?sslpassword=ssl-secret' }, 'starting');
    log.child({ kafka: { sasl: { password: 'child-secret' } } }).warn('child line');
    const text = lines.join('');
    expect(lines.length).toBe(4);
    for (const secret of ['m5g-secret', 'cfg-secret', 'hdr-secret', 'ssl-secret', 'child-secret']) expect(text).not.toContain(secret);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
