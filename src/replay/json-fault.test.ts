// The JSON fault locator agrees with JSON.parse on what is valid and points at the first bad character.
import { describe, expect, it } from 'vitest';
import { jsonFaultOffset, lineAt } from './json-fault.js';

describe('jsonFaultOffset', () => {
  it('finds nothing wrong in valid JSON', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, "x\\n", true, null, {"b": {}}]} ', '"s"', '0']) {
      expect(jsonFaultOffset(text), text).toBe(-1);
    }
  });

  it('points at the first character that breaks the grammar', () => {
    expect(jsonFaultOffset('{"a": }')).toBe(6);
    expect(jsonFaultOffset('[1, 2,]')).toBe(6);
    expect(jsonFaultOffset('{"a": 1 "b": 2}')).toBe(8);
    expect(jsonFaultOffset('{"a": [1, 2}')).toBe(11);
    expect(jsonFaultOffset('{"a": 1')).toBe(7);
    expect(jsonFaultOffset('{"a": 1}}')).toBe(8);
    expect(jsonFaultOffset("{'a': 1}")).toBe(1);
  });

  it('names lines from 1', () => {
    expect(lineAt('a\nb\nc', 0)).toBe(1);
    expect(lineAt('a\nb\nc', 2)).toBe(2);
    expect(lineAt('a\nb\nc', 4)).toBe(3);
  });
});
