// The command line: files after `replay` are its operands; other commands still refuse stray words;
// `--help` after a command prints that command's usage, not the global one.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main, parseArgs } from './cli.js';
import { UsageError } from './errors.js';

describe('parseArgs', () => {
  it('gives replay its files, its own flags and config flags, in any order', () => {
    const parsed = parseArgs(['replay', 'a.csv', '--speed', '10', 'export.xml', '--customer=anna', '--log-level', 'debug']);
    expect(parsed.operands).toEqual(['a.csv', 'export.xml']);
    expect(parsed.options).toEqual({ speed: '10', customer: 'anna' });
    expect(parsed.configArgs).toEqual(['--log-level=debug']);
  });

  it('refuses a word after a command that takes none', () => {
    expect(() => parseArgs(['scenario', 'a.csv'])).toThrow(UsageError);
  });

  it('passes the former flag of a renamed key on to the config loader', () => {
    expect(parseArgs(['plugins', '--workers-batch-size', '10']).configArgs).toEqual(['--workers-batch-size=10']);
  });
});

describe('former config names', () => {
  it('are warned about at start-up, each with its new name', async () => {
    const logDir = mkdtempSync(path.join(tmpdir(), 'heartbeat-cli-test-'));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [
        '--import', 'tsx', 'src/cli.ts', 'plugins', '--workers-batch-size', '10', '--log-pretty', 'never', '--log-dir', logDir,
      ], { cwd: path.resolve(import.meta.dirname, '..'), env: { ...process.env, WORKERS_FLUSH_INTERVAL_MS: '20' } });
      const warnings = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.level === 40).map(({ old, new: name, where, ignored }) => ({ old, new: name, where, ignored }));
      expect(warnings).toEqual([
        { old: 'WORKERS_FLUSH_INTERVAL_MS', new: 'WORKERS_FETCH_WAIT_MS', where: 'env', ignored: false },
        { old: '--workers-batch-size', new: '--workers-chunk-size', where: 'flag', ignored: false },
      ]);
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});

describe('--help', () => {
  afterEach(() => { vi.restoreAllMocks(); });

  /** Runs main() and returns its exit code and what it printed on stdout. */
  async function printed(argv: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
    const code = await main(argv);
    return { code, out };
  }

  it('alone lists every command and the config flags', async () => {
    const { code, out } = await printed(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: heartbeat <command> \[flags\]/);
    for (const command of ['start', 'consume', 'replay', 'evaluate']) expect(out).toContain(`\n  ${command} `);
    expect(out).toContain('--log-level <value>');
  });

  it.each([['evaluate', '--help'], ['replay', '-h'], ['help', 'kafka'], ['scenario', '--help']])('%s %s prints that command\'s own usage', async (...argv) => {
    const command = argv[0] === 'help' ? argv[1]! : argv[0]!;
    const { code, out } = await printed(argv);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^Usage: heartbeat ${command} \\[flags\\]`));
    expect(out).not.toContain('Commands:');
    expect(out).not.toContain('--log-level');
  });

  it('shows a command\'s own flags and operands', async () => {
    expect((await printed(['evaluate', '--help'])).out).toContain('--customers <n>  simulated customers');
    expect((await printed(['replay', '--help'])).out).toMatch(/^Usage: heartbeat replay \[flags\] <file>\.\.\.\n/);
  });
});
