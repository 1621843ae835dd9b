// The command line: files after `replay` are its operands; other commands still refuse stray words.
import { describe, expect, it } from 'vitest';
import { parseArgs } from './cli.js';
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
});
