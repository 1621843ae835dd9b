// Fails when a plugin in plugins/ has no test file beside it (plugins/<id>.test.ts or .test.js).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pluginFiles } from '../src/rules/loader.js';

const PLUGINS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../plugins');

describe('every shipped plugin has a test beside it', async () => {
  const files = await pluginFiles(PLUGINS);
  it('finds the plugins', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    const base = file.replace(/\.(ts|js)$/, '');
    it(path.basename(file), () => {
      expect(existsSync(`${base}.test.ts`) || existsSync(`${base}.test.js`), `${path.relative(process.cwd(), base)}.test.ts is missing`).toBe(true);
    });
  }
});
