// kcat, librdkafka's command-line client, for tests: a producer that is not ours, writing every
// compression codec Kafka knows. ensureKcat() installs Debian's `kcat` package where it is
// missing (as root, with apt-get), so `npm ci && npm test` works on a fresh machine.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const KCAT = process.env.KCAT_PATH ?? '/usr/bin/kcat';

/** Installs Debian's kcat when it is missing; throws with the reason when it cannot. */
export function ensureKcat(log: (line: string) => void = () => undefined): void {
  if (existsSync(KCAT)) return;
  if (process.getuid?.() !== 0) throw new Error(`${KCAT} is missing and installing it needs root: run \`sudo apt-get install -y kcat\``);
  log(`${KCAT} is missing: installing Debian's kcat package (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'kcat'], { stdio: 'ignore', env, timeout: 600_000 });
  try {
    install();
  } catch {
    // A fresh machine has no package lists yet: fetch them, then try once more.
    execFileSync('apt-get', ['update'], { stdio: 'ignore', env, timeout: 300_000 });
    install();
  }
  if (!existsSync(KCAT)) throw new Error(`apt-get install kcat did not provide ${KCAT}`);
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
