// Makes the message of one customer's reading slot: moves its activity and heart rate on, takes
// the device off the wrist or puts it back, applies an injected episode or fault, then encodes it
// as valid, out of range or malformed, with what the device reports about movement.
import { advanceActivity, initActivity } from './activity.js';
import { customerIdOf, customerIdWidth, deviceIdOf, ReadingEncoder } from './encode.js';
import { EpisodeInjector, FLATLINE, isClinical, NO_EPISODE, SIGNAL_LOSS, type EpisodeShares } from './episodes.js';
import { HeartRateModel } from './heart-rate.js';
import { MALFORMED_KINDS, malformedValue } from './malformed.js';
import { EXERCISE, Population, REST, SLEEP } from './population.js';
import { Random } from './random.js';
import { ACTIVITIES, type EpisodeRecord, type SimMessage } from './types.js';
import { ACTIVITY_LABELS, assignMovement, STEP_COUNTS, stepsPerMinute, WearModel, type DeviceRealism } from './wear.js';

/** Slots per reading of a consumer device on average: 0.48 x 1 + 0.28 x 2 + 0.24 x 3. */
export const MEAN_SLOTS_PER_READING = 1.76;

/**
 * Whether a consumer device skips this slot. The recordings' readings are 5, 10 or 15 s apart in
 * the ratio 48 : 28 : 24, so after a reading the next slot sends with chance 0.48, the one after
 * with 0.54, and the third always.
 */
function skipsSlot(pop: Population, i: number, rnd: Random): boolean {
  const skipped = pop.skippedSlots[i]!;
  if (skipped >= 2 || rnd.float() < (skipped === 0 ? 0.48 : 0.54)) {
    pop.skippedSlots[i] = 0;
    return false;
  }
  pop.skippedSlots[i] = skipped + 1;
  return true;
}

/** Settings of the generator; all shares are in [0, 1]. */
export interface GeneratorSettings extends EpisodeShares {
  customers: number;
  seed: number;
  /** Time of the first reading slot (epoch ms): sets the time of day customers start in. */
  startMs: number;
  /** Time between two reading slots of one customer (ms). */
  intervalMs: number;
  outOfRangeShare: number;
  malformedShare: number;
  /** Share of readings whose timestamp is epoch ms instead of ISO-8601 text. */
  epochTimestampShare: number;
  /** Consumer wearables (off the wrist at times, irregular intervals, half without movement data) or ideal ones. */
  devices: DeviceRealism;
}

/** Generates customers' readings one slot at a time; deterministic for the same call sequence. */
export class ReadingGenerator {
  private readonly rnd: Random;
  private readonly pop: Population;
  private readonly hrModel: HeartRateModel;
  private readonly episodes: EpisodeInjector;
  private readonly wear: WearModel;
  /** Consumer devices skip slots, as Fitbits do (readings 1 to 3 slots apart: 5, 10 or 15 s for 5-s slots). */
  private readonly skipsSlots: boolean;
  private readonly encoder = new ReadingEncoder();
  private readonly idWidth: number;
  private readonly malformedShare: number;
  private readonly spoiledShare: number;
  private readonly epochShare: number;

  constructor(settings: GeneratorSettings, report: (record: EpisodeRecord) => void) {
    this.rnd = new Random(settings.seed);
    this.pop = new Population(settings.customers, this.rnd);
    this.hrModel = new HeartRateModel(settings.intervalMs);
    this.episodes = new EpisodeInjector(settings, settings.intervalMs, this.rnd, report);
    this.wear = new WearModel(settings.devices, settings.intervalMs, this.rnd);
    this.skipsSlots = settings.devices === 'consumer';
    assignMovement(this.pop, this.rnd, settings.devices);
    this.idWidth = customerIdWidth(settings.customers);
    this.malformedShare = settings.malformedShare;
    this.spoiledShare = settings.malformedShare + settings.outOfRangeShare;
    this.epochShare = settings.epochTimestampShare;
    for (let i = 0; i < settings.customers; i++) {
      initActivity(this.pop, i, settings.startMs, this.rnd);
      this.hrModel.init(this.pop, i, this.rnd);
    }
  }

  /** Customer id of customer index i. */
  customerId(i: number): string {
    return customerIdOf(i, this.idWidth);
  }

  /** The message of customer i's reading at time t (epoch ms), or null while its device is silent. */
  make(i: number, t: number): SimMessage | null {
    const pop = this.pop;
    const rnd = this.rnd;
    const customerId = this.customerId(i);
    const wasInEpisode = isClinical(pop.episode[i]!) && t < pop.episodeEnd[i]!;
    const wasAsleep = pop.activity[i] === SLEEP;
    // A heart-rhythm episode keeps the customer at rest (or asleep) from start to end.
    if (!wasInEpisode) advanceActivity(pop, i, t, rnd, true);
    const normal = this.hrModel.step(pop, i, rnd);
    // An episode that has just run out still blocks taking the device off: update() ends it first
    // (and may follow it with a signal loss, which must start where the episode ends).
    const free = pop.episode[i] === NO_EPISODE;
    if (!this.wear.worn(pop, i, t, !wasAsleep && pop.activity[i] === SLEEP, free)) return null;
    const atRest = pop.workout[i] === 0 && (pop.activity[i] === REST || pop.activity[i] === SLEEP);
    const code = this.episodes.update(pop, i, t, customerId, atRest);
    if (code === SIGNAL_LOSS || (this.skipsSlots && skipsSlot(pop, i, rnd))) return null;

    let heartRate: number;
    let activityCode: number;
    if (code === FLATLINE) {
      heartRate = pop.lastValue[i]!;
      activityCode = pop.lastActivity[i]!;
    } else {
      heartRate = code === NO_EPISODE ? normal : this.episodes.reading(pop, i, code);
      activityCode = pop.workout[i] === 1 ? EXERCISE : pop.activity[i]!;
      // A flatline repeats a normal value: one frozen inside a bradycardia spell would be an
      // episode the log does not name.
      if (code === NO_EPISODE) {
        pop.lastValue[i] = heartRate;
        pop.lastActivity[i] = activityCode;
      }
    }
    const activity = ACTIVITIES[activityCode]!;
    const movement = pop.movement[i];
    const sentActivity = movement === ACTIVITY_LABELS ? activity : undefined;
    const steps = movement === STEP_COUNTS ? stepsPerMinute(activityCode, rnd) : undefined;
    const deviceId = deviceIdOf(pop.deviceSerial[i]!);
    const epoch = rnd.float() < this.epochShare;

    const r = rnd.float();
    if (r < this.malformedShare) {
      const malformedKind = MALFORMED_KINDS[Math.floor(rnd.float() * MALFORMED_KINDS.length)]!;
      const fields = this.encoder.fields(customerId, t, epoch, heartRate, deviceId, sentActivity, steps);
      return { key: customerId, value: malformedValue(malformedKind, fields, rnd), kind: 'malformed', malformedKind, eventTime: t, heartRate, activity };
    }
    if (r < this.spoiledShare) {
      // What failing sensors send: zero or a few bpm off the skin, or a glitch far above 250.
      const impossible = rnd.chance(0.5) ? rnd.int(0, 19) : rnd.int(251, 320);
      const value = this.encoder.value(customerId, t, epoch, impossible, deviceId, sentActivity, steps);
      return { key: customerId, value, kind: 'out_of_range', eventTime: t, heartRate: impossible, activity };
    }
    const value = this.encoder.value(customerId, t, epoch, heartRate, deviceId, sentActivity, steps);
    return code === NO_EPISODE
      ? { key: customerId, value, kind: 'valid', eventTime: t, heartRate, activity }
      : { key: customerId, value, kind: 'valid', eventTime: t, heartRate, activity, injected: true };
  }
}
