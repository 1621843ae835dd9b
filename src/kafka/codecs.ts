// The compression codecs kafkajs lacks. kafkajs decodes only uncompressed and gzip batches: a
// snappy, lz4 or zstd batch written by another producer (librdkafka, the Java client) failed
// every fetch ("LZ4 compression" unsupported), so the consumer crashed and its worker restarted forever
// without storing anything. createKafka registers these before building any client, so every
// reader (workers, bench, tests) decodes what any Kafka producer writes.
import { decompress as zstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';
import createSnappyCodec from 'kafkajs-snappy';
import { compressFrame, decompressFrame } from 'lz4-napi';
import { KafkaCodecError } from '../errors.js';

// kafkajs is CommonJS and Node's ESM loader does not see these two among its named exports.
const { CompressionCodecs, CompressionTypes } = kafkajs;

/** kafkajs's codec shape: compress gets its Encoder (the records as `buffer`), decompress a batch's records bytes. */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** The codecs registered here, by the name Kafka's `compression.type` uses. */
export type RegisteredCodec = 'snappy' | 'lz4' | 'zstd';

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Wraps a codec so a failure names the codec: a bare library message in a crash log says nothing of where it came from. */
function named(codec: RegisteredCodec, inner: KafkaCodec): KafkaCodec {
  return {
    async compress(encoder) {
      try {
        return await inner.compress(encoder);
      } catch (cause) {
        if (cause instanceof KafkaCodecError) throw cause;
        throw new KafkaCodecError(codec, `Could not ${codec}-compress a batch: ${(cause as Error).message}`, { cause });
      }
    },
    async decompress(buffer) {
      try {
        return await inner.decompress(buffer);
      } catch (cause) {
        throw new KafkaCodecError(codec, `Could not ${codec}-decompress a batch of ${buffer.length} bytes: ${(cause as Error).message}`, { cause });
      }
    },
  };
}

/**
 * Kafka's snappy: Java producers write the xerial framing (a magic header, then length-prefixed
 * raw snappy chunks), librdkafka plain raw snappy. kafkajs-snappy (from kafkajs's author) reads
 * both, in pure JavaScript (snappyjs); its compress writes raw snappy, which every client reads.
 */
const snappy: KafkaCodec = createSnappyCodec();

/**
 * Kafka's lz4 is the LZ4 frame format (magic 04 22 4D 18) with independent 64 KiB blocks.
 * lz4-napi (lz4_flex, a prebuilt binary in a per-platform npm package, nothing built or fetched at
 * install) reads any frame, checksums included; decompressFrame runs off the event loop.
 */
const lz4: KafkaCodec = {
  compress: async (encoder) => compressFrame(encoder.buffer),
  decompress: async (buffer) => decompressFrame(buffer),
};

/** Kafka's zstd is one plain zstd frame. fzstd is a pure-JavaScript decompressor only. */
const zstd: KafkaCodec = {
  compress: async () => {
    throw new KafkaCodecError('zstd', 'This app decompresses zstd batches but cannot compress them: publish with kafka.compression none or gzip');
  },
  decompress: async (buffer) => asBuffer(zstdDecompress(buffer)),
};

/** The codecs by kafkajs's compression type id. */
export const CODECS: Readonly<Record<RegisteredCodec, { type: kafkajs.CompressionTypes; codec: KafkaCodec }>> = {
  snappy: { type: CompressionTypes.Snappy, codec: named('snappy', snappy) },
  lz4: { type: CompressionTypes.LZ4, codec: named('lz4', lz4) },
  zstd: { type: CompressionTypes.ZSTD, codec: named('zstd', zstd) },
};

/**
 * Puts the codecs into kafkajs's process-wide CompressionCodecs (its one extension point; each
 * worker thread has its own kafkajs, hence its own call). Idempotent: createKafka calls it for
 * every client it builds.
 */
export function registerCompressionCodecs(): void {
  for (const { type, codec } of Object.values(CODECS)) {
    (CompressionCodecs as Record<number, () => KafkaCodec>)[type] = () => codec;
  }
}
