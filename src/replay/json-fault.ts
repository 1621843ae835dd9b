// Where a JSON text first breaks the grammar, for an error that names the line: Node 20's
// JSON.parse message often gives no position ("Unexpected token '}', ... is not valid JSON").
// Run only after JSON.parse failed, so its speed does not matter; iterative, so depth cannot overflow.

const WS = new Set([0x20, 0x0a, 0x0d, 0x09]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** Offset of the first character that breaks the JSON grammar (text.length when it ends too early; -1 when valid). */
export function jsonFaultOffset(text: string): number {
  let i = 0;
  // What the parser expects next, innermost last: a value, or after a value inside an array/object.
  const stack: Array<'array' | 'object'> = [];
  const skipWs = () => { while (i < text.length && WS.has(text.charCodeAt(i))) i++; };
  const match = (re: RegExp) => { re.lastIndex = i; if (!re.test(text)) return false; i = re.lastIndex; return true; };
  let expectValue = true;
  for (;;) {
    skipWs();
    if (expectValue) {
      const c = text[i];
      if (c === '{') {
        i++; skipWs();
        if (text[i] === '}') { i++; expectValue = false; continue; }
        if (!match(STRING)) return i;
        skipWs();
        if (text[i] !== ':') return i;
        i++; stack.push('object'); continue;
      }
      if (c === '[') {
        i++; skipWs();
        if (text[i] === ']') { i++; expectValue = false; continue; }
        stack.push('array'); continue;
      }
      if (c === '"' ? match(STRING) : c === '-' || (c !== undefined && c >= '0' && c <= '9') ? match(NUMBER)
        : ['true', 'false', 'null'].some((w) => text.startsWith(w, i) && (i += w.length) > 0)) { expectValue = false; continue; }
      return i;
    }
    const top = stack.at(-1);
    if (top === undefined) return i === text.length ? -1 : i;
    if (text[i] === ',') {
      i++;
      if (top === 'object') {
        skipWs();
        if (!match(STRING)) return i;
        skipWs();
        if (text[i] !== ':') return i;
        i++;
      }
      expectValue = true;
    } else if (text[i] === (top === 'object' ? '}' : ']')) {
      i++; stack.pop();
    } else {
      return i;
    }
  }
}

/** The 1-based line of an offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
