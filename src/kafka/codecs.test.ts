// The codecs kafkajs lacks: registered by createKafka, and each reads the framing real Kafka
// producers write (the end-to-end check against librdkafka is test/kafka-codecs.test.ts).
import { createHash } from 'node:crypto';
import kafkajs from 'kafkajs';
import { compressFrame } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { KafkaCodecError } from '../errors.js';
import { createBootLogger } from '../log.js';
import { plainClientConfig, createKafka } from './client.js';
import { CODECS, type KafkaCodec } from './codecs.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/** Records-like bytes: repetitive JSON with some noise, larger than one snappy chunk or lz4 block.
 * Compared with Buffer#equals: toEqual walks 286 KB byte by byte and took seconds. */
const payload = Buffer.from(Array.from({ length: 6000 }, (_, i) => JSON.stringify({ customer_id: `C-${i % 97}`, heart_rate: 60 + (i % 41), n: i })).join('\n'));

/** The xerial framing Kafka's Java producer writes: magic, version 1, compatible 1, then (length, raw snappy chunk) pairs of 32 KiB input each. */
async function xerialFrame(data: Buffer, rawSnappy: KafkaCodec): Promise<Buffer> {
  const parts: Buffer[] = [Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])];
  for (let at = 0; at < data.length; at += 32 * 1024) {
    const chunk = await rawSnappy.compress({ buffer: data.subarray(at, at + 32 * 1024) });
    const length = Buffer.alloc(4);
    length.writeUInt32BE(chunk.length);
    parts.push(length, chunk);
  }
  return Buffer.concat(parts);
}

/** 304,000 bytes ("{"customer_id":"C-1","heart_rate":72}\n" × 8000) as the zstd command line writes them, with a content checksum, with and without the content size. */
const ZSTD_FRAMES = [
  'KLUv/aSAowQAhAEAZAJ7ImN1c3RvbWVyX2lkIjoiQy0xIiwiaGVhcnRfcmF0ZSI6NzJ9CgEAvv5PuXoCTAAACF8BAPz/ORACTQAACCwBAHwjHQgBnzjYxQ==',
  'KLUv/QRIhAEAZAJ7ImN1c3RvbWVyX2lkIjoiQy0xIiwiaGVhcnRfcmF0ZSI6NzJ9CgEAvv5PuXoCTAAACF8BAPz/ORACTQAACCwBAHwjHQgBnzjYxQ==',
];
const ZSTD_TEXT = '{"customer_id":"C-1","heart_rate":72}\n'.repeat(8000);

describe('compression codecs', () => {
  it('are what kafkajs uses once a client is created (it throws "not implemented" for snappy, lz4 and zstd by itself)', () => {
    createKafka(plainClientConfig(['127.0.0.1:1']), createBootLogger('silent'));
    expect(CompressionCodecs[CompressionTypes.Snappy]()).toBe(CODECS.snappy.codec);
    expect(CompressionCodecs[CompressionTypes.LZ4]()).toBe(CODECS.lz4.codec);
    expect(CompressionCodecs[CompressionTypes.ZSTD]()).toBe(CODECS.zstd.codec);
  });

  it('snappy reads both raw snappy (librdkafka) and the xerial framing (Java producers), and writes what it reads', async () => {
    const { codec } = CODECS.snappy;
    const raw = await codec.compress({ buffer: payload });
    expect(raw.length).toBeLessThan(payload.length / 2);
    expect((await codec.decompress(raw)).equals(payload)).toBe(true);
    const framed = await xerialFrame(payload, codec);
    expect(framed.length).toBeGreaterThan(raw.length); // several chunks, each with its length
    expect((await codec.decompress(framed)).equals(payload)).toBe(true);
  });

  it('lz4 reads LZ4 frames with or without block and content checksums, and writes one it reads', async () => {
    const { codec } = CODECS.lz4;
    const written = await codec.compress({ buffer: payload });
    expect(written.subarray(0, 4)).toEqual(Buffer.from([0x04, 0x22, 0x4d, 0x18]));
    expect((await codec.decompress(written)).equals(payload)).toBe(true);
    const checksummed = await compressFrame(payload, { blockChecksums: true, contentChecksum: true });
    expect((await codec.decompress(checksummed)).equals(payload)).toBe(true);
  });

  it('zstd reads a zstd frame with or without its content size, and refuses to compress with a coded error', async () => {
    const { codec } = CODECS.zstd;
    for (const frame of ZSTD_FRAMES) {
      const out = await codec.decompress(Buffer.from(frame, 'base64'));
      expect(createHash('sha256').update(out).digest('hex')).toBe(createHash('sha256').update(ZSTD_TEXT).digest('hex'));
    }
    await expect(codec.compress({ buffer: payload })).rejects.toMatchObject({ code: 'KAFKA_CODEC_FAILED', codec: 'zstd' });
  });

  it('names the codec when a batch cannot be decompressed', async () => {
    const garbage = Buffer.from('definitely not a compressed batch, whatever the codec');
    for (const name of ['snappy', 'lz4', 'zstd'] as const) {
      const err = await CODECS[name].codec.decompress(garbage).then(() => undefined, (e: unknown) => e);
      expect(err, name).toBeInstanceOf(KafkaCodecError);
      expect(err).toMatchObject({ code: 'KAFKA_CODEC_FAILED', codec: name });
      expect((err as Error).cause).toBeInstanceOf(Error);
    }
  });
});
