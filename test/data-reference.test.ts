// docs/data.md's input policy table must match src/core/input-policy.ts, which it is generated from.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_CUSTOMER_ID_LENGTH, MESSAGE_BYTES } from '../src/core/input-policy.js';
import { DATA_DOC_PATH, extractInputPolicy, renderInputPolicy } from '../scripts/data-reference.js';

describe('input policy in docs/data.md', () => {
  it('holds the table generated from the current input policy', () => {
    const section = extractInputPolicy(readFileSync(DATA_DOC_PATH, 'utf8'));
    expect(section, 'docs/data.md lacks the <!-- input-policy:start/end --> markers').toBeDefined();
    expect(section!.trim(), 'docs/data.md is out of date: run `npm run docs:data`').toBe(renderInputPolicy().trim());
  });

  // Today's numbers, pinned: moving one of them changes what producers may send, so it is deliberate.
  it('states the numbers of the module, in the units a reader uses', () => {
    const table = renderInputPolicy();
    expect(table).toContain(`printable text of 1 to ${MAX_CUSTOMER_ID_LENGTH} characters`);
    expect(MESSAGE_BYTES.default).toBe(16_384);
    expect(table).toContain('default 16 KiB');
    expect(table).toContain('at most 5 min after the receive time and 7 days before it');
    expect(table).toContain('stored only from 20 to 250 bpm');
  });
});
