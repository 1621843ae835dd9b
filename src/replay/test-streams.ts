// Test helpers of the replay parsers: text as a byte stream cut into small chunks (so lines,
// multi-byte characters and XML tags straddle chunk boundaries), and collecting a parser's items.
import type { ParseItem } from './types.js';

/** `text` as UTF-8 chunks of `size` bytes. */
export async function* chunksOf(text: string | Buffer, size = 7): AsyncGenerator<Buffer> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Every item of a parser, in order. */
export async function collect(items: AsyncIterable<ParseItem> | Iterable<ParseItem>): Promise<ParseItem[]> {
  const out: ParseItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}
