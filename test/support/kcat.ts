// kcat, librdkafka's command-line client, for tests: a producer that is not ours, writing every
// compression codec Kafka knows. ensureKcat() installs Debian's `kcat` package where it is
// missing (as root, with apt-get), so `npm ci && npm test` works on a fresh machine.
import { spawn } from 'node:child_process';
import { ensureDebianPackage } from './apt.js';

export const KCAT = process.env.KCAT_PATH ?? '/usr/bin/kcat';

/** Installs Debian's kcat when it is missing; throws with the reason when it cannot. */
export function ensureKcat(log: (line: string) => void = () => undefined): void {
  ensureDebianPackage('kcat', KCAT, log);
}

/** The codecs `kcat -z` (librdkafka's compression.codec) writes. */
export type KcatCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KcatProduceOptions {
  brokers: readonly string[];
  topic: string;
  codec: KcatCodec;
  /** One message per line (no line may hold a newline). kcat skips empty lines unless they carry a key. */
  lines: readonly string[];
  /** With `-K`: each line is key, delimiter, value (split at the first delimiter). */
  keyDelimiter?: string;
}

/** Publishes `lines` with `kcat -P -z codec`; resolves once kcat has every message acknowledged, rejects with its stderr otherwise. */
export function kcatProduce(options: KcatProduceOptions): Promise<void> {
  const bad = options.lines.findIndex((l) => l.includes('\n'));
  if (bad >= 0) throw new Error(`kcatProduce: line ${bad} holds a newline (kcat would split it)`);
  const args = ['-P', '-b', options.brokers.join(','), '-t', options.topic, '-z', options.codec, '-X', 'acks=all'];
  if (options.keyDelimiter !== undefined) args.push('-K', options.keyDelimiter);
  const child = spawn(KCAT, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    // kcat exits 1 when a message could not be delivered (an unknown topic, a message too large for the broker).
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr.trim()}`))));
  });
  child.stdin.end(options.lines.map((l) => `${l}\n`).join(''));
  return done;
}
