// `heartbeat replay <file>...`: publishes recorded readings to the readings topic as a fleet of
// devices would, every time shifted so the newest reading is now (gaps and order kept).
//
//   files ──open (gzip? format?)──> pass 1: scan (time range, customers, skips per reason)
//         ──check range's maxAgeMs──> pass 2: read again, merge by event time ──> shift, round,
//         encode ──> publisher (batches; paced when --speed) ──> summary on stdout
//
// Two passes because the shift needs the newest time before the first send, and holding a
// multi-GB recording in memory to find it is not an option: a second read costs seconds.
import type { CommandContext } from './command-context.js';
import { ConfigError, UsageError } from '../errors.js';
import { createKafka } from '../kafka/client.js';
import { ensureKafka } from '../kafka/local-broker.js';
import { countMessagesSince } from '../kafka/messages-since.js';
import { createPublisher } from '../kafka/producer.js';
import { ensureTopics } from '../kafka/topics.js';
import { mergeByTime, streamsOf } from '../replay/merge.js';
import { openRecording, type Recording } from '../replay/open.js';
import { MAX_AGE_MARGIN_MS, oldestAgeMs, planReplay } from '../replay/plan.js';
import { createProgress } from '../replay/progress.js';
import { publishReadings, type PublishResult } from '../replay/publish.js';
import { scanRecording, type RecordingStats } from '../replay/scan.js';
import { formatSummary, type NewerOnTopic } from '../replay/summary.js';
import { describePlugins } from '../rules/loader.js';

const DAY = 86_400_000;

interface ReplayFlags {
  speed: number;
  customer: string | undefined;
  tooOld: 'fail' | 'skip';
}

function flagsOf(ctx: CommandContext): ReplayFlags {
  const { speed: rawSpeed, customer, 'too-old': tooOld = 'fail' } = ctx.options;
  const speed = rawSpeed === undefined ? Number.POSITIVE_INFINITY : Number(rawSpeed);
  if (rawSpeed !== undefined && (rawSpeed.trim() === '' || !Number.isFinite(speed) || speed <= 0)) {
    throw new UsageError(`--speed = ${JSON.stringify(rawSpeed)}: allowed is a number above 0 (1: real time)`);
  }
  if (tooOld !== 'fail' && tooOld !== 'skip') throw new UsageError(`--too-old = ${JSON.stringify(tooOld)}: allowed is fail or skip`);
  if (ctx.operands.length === 0) throw new UsageError('replay needs at least one file: heartbeat replay [flags] <file>...');
  return { speed, customer, tooOld };
}

/** The range validator's effective maxAgeMs under this config (null when it is disabled or absent). */
async function rangeMaxAgeMs(ctx: CommandContext): Promise<number | null> {
  const range = (await describePlugins(ctx.config.plugins.dir, ctx.config.plugins.settings)).find((p) => p.id === 'range');
  const maxAge = range?.enabled === true ? range.options?.maxAgeMs : undefined;
  return typeof maxAge === 'number' ? maxAge : null;
}

/** The refusal of a recording whose oldest readings the consumer would reject, with the ways out. */
function tooOldError(ageMs: number, maxAgeMs: number, files: readonly string[]): ConfigError {
  const days = (ms: number) => `${(ms / DAY).toFixed(1)} days`;
  // Whole days, one more than needed: room for a slow replay and a consumer that starts later.
  const enough = (Math.ceil(ageMs / DAY) + 1) * DAY;
  const config = JSON.stringify({ plugins: { range: { options: { maxAgeMs: enough } } } });
  return new ConfigError('plugins.range.options.maxAgeMs', [
    `Invalid config plugins.range.options.maxAgeMs = ${maxAgeMs} (${days(maxAgeMs)}) for this replay: its oldest readings would be ${days(ageMs)} old when sent, and the consumer's range validator rejects readings older than that (timestamp_too_old).`,
    `To replay it in full, give the consumer and this command a larger maxAgeMs (at least ${ageMs + MAX_AGE_MARGIN_MS}), e.g.:`,
    `  echo '${config}' > replay.json`,
    '  HEARTBEAT_CONFIG=replay.json heartbeat consume',
    `  HEARTBEAT_CONFIG=replay.json heartbeat replay ${files.join(' ')}`,
    'Or send only the readings that fit: add --too-old skip.',
  ].join('\n'));
}

export async function replayCommand(ctx: CommandContext): Promise<void> {
  const flags = flagsOf(ctx);
  const log = ctx.log.child({ component: 'replay' });
  const progress = createProgress(process.stdout);
  const t0 = Date.now();

  // Every file is opened and scanned before anything is sent: a bad file fails the command early.
  const recordings: Recording[] = [];
  for (const file of ctx.operands) recordings.push(await openRecording(file, { customer: flags.customer }));
  const stats: RecordingStats[] = [];
  for (const recording of recordings) {
    stats.push(await scanRecording(recording, (items) => progress.update(() => `scanning ${recording.file}: ${items.toLocaleString('en-US')} rows and records read`)));
  }
  progress.done();
  const withReadings = stats.filter((s) => s.readings > 0);
  const oldest = Math.min(...withReadings.map((s) => s.oldest));
  const newest = Math.max(...withReadings.map((s) => s.newest));
  const total = withReadings.reduce((sum, s) => sum + s.readings, 0);
  log.info({ files: ctx.operands.length, readings: total, formats: stats.map((s) => s.format) }, 'replay scanned');

  const maxAgeMs = await rangeMaxAgeMs(ctx);
  if (total > 0 && maxAgeMs !== null && flags.tooOld === 'fail' && oldestAgeMs(oldest, newest, flags.speed) > maxAgeMs - MAX_AGE_MARGIN_MS) {
    throw tooOldError(oldestAgeMs(oldest, newest, flags.speed), maxAgeMs, ctx.operands);
  }

  const empty: PublishResult = { sent: 0, rounded: 0, tooOld: 0, customers: 0, oldestSentMs: Number.NaN, newestSentMs: Number.NaN, interrupted: false };
  let result = empty;
  let plan = null;
  let newerOnTopic: NewerOnTopic | null = null;
  const inFileOrder: string[] = [];
  if (total > 0) {
    const kafka = await ensureKafka(ctx.config, log, { signal: ctx.lifecycle.signal });
    ctx.lifecycle.defer('kafka', () => kafka.stop());
    const config = { ...ctx.config, kafka: { ...ctx.config.kafka, brokers: kafka.brokers } };
    await ensureTopics(config, log, { signal: ctx.lifecycle.signal });
    const client = createKafka(config, log, 'replay');
    const publisher = await createPublisher(client, config.kafka);
    try {
      const streams = recordings.flatMap((recording, i) => {
        const split = streamsOf(recording, stats[i]!);
        if (split.inFileOrder) inFileOrder.push(recording.file);
        return split.streams;
      });
      plan = planReplay(oldest, newest, Date.now(), flags.speed);
      // Messages already on the topic stamped after the replay's oldest readings (live devices, the
      // simulator, an earlier replay) make those readings late for a consumer that has read them:
      // stored, but never seen by the stateful rules. Counted before sending, so the summary can say so.
      const sinceMs = oldest + plan.shiftMs + ctx.config.rules.allowedLatenessMs;
      newerOnTopic = { count: await countMessagesSince(client, config.kafka.topics.readings, sinceMs), sinceMs };
      if (newerOnTopic.count > 0) {
        log.warn({ topic: config.kafka.topics.readings, messages: newerOnTopic.count, since: new Date(sinceMs).toISOString() },
          'the readings topic holds newer messages: a consumer that read them takes the replayed readings for late');
      }
      log.info({ shiftMs: plan.shiftMs, speed: Number.isFinite(flags.speed) ? flags.speed : 'unpaced', topic: config.kafka.topics.readings }, 'replay sending');
      result = await publishReadings(mergeByTime(streams), {
        plan, maxAgeMs, signal: ctx.lifecycle.signal,
        send: (messages) => publisher.send(config.kafka.topics.readings, messages),
        onProgress: (sent) => progress.update(() => `sent ${sent.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} readings (${Math.floor((100 * sent) / total)} %)`),
      });
    } finally {
      progress.done();
      await publisher.disconnect();
    }
  }
  log.info({ sent: result.sent, tooOld: result.tooOld, interrupted: result.interrupted }, 'replay finished');
  process.stdout.write(formatSummary({ topic: ctx.config.kafka.topics.readings, stats, plan, result, elapsedMs: Date.now() - t0, inFileOrder, newerOnTopic }));
}
