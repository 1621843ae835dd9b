// Keeps plugins/README.md honest: its example plugin and test are the fixture copies (which load
// and pass), and every shipped plugin is in its table. The top-level README shows the same plugin.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pluginFiles } from '../src/rules/loader.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(path.join(ROOT, 'plugins/README.md'), 'utf8');
const tsBlocks = (markdown: string) => [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const blocks = tsBlocks(readme);
// The fixture sits three levels deeper than plugins/: only its import paths differ.
const fixture = (name: string) => readFileSync(path.join(ROOT, 'test/fixtures/plugins-readme-example', name), 'utf8').replaceAll('../../../src/', '../src/');

describe('plugins/README.md', () => {
  it('shows the example plugin exactly as the fixture that the loader tests load', () => {
    expect(blocks).toContain(fixture('resting-high.ts'));
  });

  it('shows the example test exactly as the fixture test that runs', () => {
    expect(blocks).toContain(fixture('resting-high.test.ts'));
  });

  it('is what the top-level README.md shows as its example rule', () => {
    expect(tsBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'))).toContain(fixture('resting-high.ts'));
  });

  it('lists every shipped plugin', async () => {
    for (const file of await pluginFiles(path.join(ROOT, 'plugins'))) {
      expect(readme, path.basename(file)).toContain(`| \`${path.basename(file).replace(/\.(ts|js)$/, '')}\` |`);
    }
  });
});
