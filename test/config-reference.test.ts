// docs/configuration.md's reference must match the config schema it is generated from.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schema, schemaEntries } from '../src/config-schema.js';
import { REFERENCE_PATH, extractSection, renderConfigReference, replaceSection } from '../scripts/config-reference.js';

describe('configuration reference', () => {
  it('docs/configuration.md holds the reference generated from the current schema', () => {
    const section = extractSection(readFileSync(REFERENCE_PATH, 'utf8'));
    expect(section, 'docs/configuration.md lacks the <!-- config-reference:start/end --> markers').toBeDefined();
    expect(section!.trim(), 'docs/configuration.md is out of date: run `npm run docs:config`')
      .toBe(renderConfigReference().trim());
  });

  it('has one row per key with its env var, flag and what is allowed', () => {
    const rows = renderConfigReference().split('\n').slice(2);
    expect(rows).toHaveLength(schemaEntries().length);
    const workers = rows.find((r) => r.startsWith('| `workers.count` |'));
    expect(workers).toBe('| `workers.count` | `WORKERS` | `--workers-count` | `0` | a whole number from 0 to 256 | Consumer worker threads (0: one per CPU core). |');
  });

  it('never prints a secret default, but shows an empty one', () => {
    const table = renderConfigReference();
    expect(table).not.toContain(schema.database.url.default);
    expect(table).toMatch(/^\| `database\.url` \| `DATABASE_URL` \| `--database-url` \| \(hidden\) \|/m);
    expect(table).toMatch(/^\| `dashboard\.token` \| `DASHBOARD_TOKEN` \| `--dashboard-token` \| \(empty\) \|/m);
  });

  it('escapes text that would break the table or vanish as HTML', () => {
    const row = renderConfigReference().split('\n').find((r) => r.startsWith('| `env` |'));
    expect(row).toContain('config/&lt;env&gt;.json');
  });

  it('rewrites only the section between the markers', () => {
    const readme = '# Title\n\nintro\n<!-- config-reference:start -->\nstale\n<!-- config-reference:end -->\n\n## After\n';
    const updated = replaceSection(readme, '| new |');
    expect(updated).toBe('# Title\n\nintro\n<!-- config-reference:start -->\n| new |\n<!-- config-reference:end -->\n\n## After\n');
    expect(() => replaceSection('# no markers\n', '| new |')).toThrow(/config-reference:start/);
  });
});
