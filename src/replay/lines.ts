// Text lines of a byte stream, numbered from 1: UTF-8 decoded across chunk boundaries, a leading
// BOM dropped, CRLF and LF both ending a line. Holds one chunk and one partial line at a time.
import { StringDecoder } from 'node:string_decoder';

/** A line of text without its line ending, with its 1-based number. */
export interface Line {
  text: string;
  line: number;
}

/** Lines of `chunks` (a stream's async iterator: its errors reject the iteration). */
export async function* linesOf(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let line = 0;
  let first = true;
  const split = function* (text: string, final: boolean): Generator<Line> {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield { text: text.slice(start, end), line: ++line };
      start = nl + 1;
    }
    partial = text.slice(start);
    if (final && partial !== '') {
      yield { text: partial.endsWith('\r') ? partial.slice(0, -1) : partial, line: ++line };
      partial = '';
    }
  };
  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    yield* split(partial + text, false);
  }
  yield* split(partial + decoder.end(), true);
}

/** Strips a leading byte-order mark from a string (the first chunk of a file). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
