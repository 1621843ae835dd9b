// Deep-freezes plain data: plugin options always, readings and rule states in strict (test) mode,
// so a plugin that modifies what it is given fails loudly instead of corrupting shared data.

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
