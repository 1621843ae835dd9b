// Injected heart-rhythm episodes and sensor faults: when they start, how long they last, the
// band every reading stays in, and the record written for each so detectors can be scored.
import type { EpisodeKind, EpisodeRecord } from './types.js';
import type { Population } from './population.js';
import type { Random } from './random.js';
import { MOVEMENT_NAMES } from './wear.js';

interface EpisodeSpec {
  kind: EpisodeKind;
  weight: number;
  minutes: readonly [number, number];
  /** Heart-rate level drawn per episode, and the band every reading is held in (bpm). */
  level?: readonly [number, number];
  band?: readonly [number, number];
}

// Heart-rhythm episodes start and end abruptly, at rest or asleep (paroxysmal tachycardia, heart
// block), and last 3 to 40 minutes: most are long enough for the rules' 10-minute window, some are
// spells too short to alert on. Bands keep a margin to each rule's threshold.
const CLINICAL: readonly EpisodeSpec[] = [
  { kind: 'bradycardia', weight: 0.5, minutes: [3, 40], level: [36, 46], band: [33, 48] },
  { kind: 'tachycardia', weight: 0.5, minutes: [3, 40], level: [120, 165], band: [114, 175] },
];
const FAULTS: readonly EpisodeSpec[] = [
  { kind: 'flatline', weight: 1, minutes: [3, 10] },
];
/** The device going silent right after a heart-rhythm episode (loose on a fainting wrist): signal-loss's case. */
const LOSS: EpisodeSpec = { kind: 'signal-loss', weight: 0, minutes: [2, 15] };
/** Share of heart-rhythm episodes that end with the device falling silent. */
const LOSS_AFTER_EPISODE = 0.3;
const SPECS = [...CLINICAL, ...FAULTS, LOSS];

/** Episode codes in Population.episode: 0 none, then the heart-rhythm episodes, then the faults. */
export const NO_EPISODE = 0;
export const SIGNAL_LOSS = SPECS.findIndex((s) => s.kind === 'signal-loss') + 1;
export const FLATLINE = SPECS.findIndex((s) => s.kind === 'flatline') + 1;

/** True for a heart-rhythm episode (its readings are held in a band), false for a fault. */
export function isClinical(code: number): boolean {
  return code >= 1 && code <= CLINICAL.length;
}

function meanMinutes(specs: readonly EpisodeSpec[]): number {
  const total = specs.reduce((sum, s) => sum + s.weight, 0);
  return specs.reduce((sum, s) => sum + s.weight * (s.minutes[0] + s.minutes[1]) / 2, 0) / total;
}

function pickSpec(specs: readonly EpisodeSpec[], offset: number, rnd: Random): number {
  const total = specs.reduce((sum, s) => sum + s.weight, 0);
  let r = rnd.float() * total;
  for (let k = 0; k < specs.length; k++) {
    r -= specs[k]!.weight;
    if (r < 0) return offset + k + 1;
  }
  return offset + specs.length;
}

/** Share settings of the injector. */
export interface EpisodeShares {
  /** Share of customers in a heart-rhythm episode at a time. */
  anomalyShare: number;
  /** Share of customers with a sensor fault at a time. */
  faultShare: number;
}

/** Starts and ends episodes per customer reading, and reports each one started. */
export class EpisodeInjector {
  private readonly clinicalStart: number;
  private readonly faultStart: number;

  constructor(
    shares: EpisodeShares, intervalMs: number,
    private readonly rnd: Random,
    private readonly report: (record: EpisodeRecord) => void,
  ) {
    // Steady state: share = rate of starts × idle share × mean duration, for each process.
    const idle = Math.max(1e-9, 1 - shares.anomalyShare - shares.faultShare);
    const startProbability = (share: number, specs: readonly EpisodeSpec[]) => {
      const perMs = share / (idle * meanMinutes(specs) * 60_000);
      return 1 - Math.exp(-perMs * intervalMs);
    };
    this.clinicalStart = startProbability(shares.anomalyShare, CLINICAL);
    this.faultStart = startProbability(shares.faultShare, FAULTS);
  }

  /**
   * Called once per reading slot of customer i at time t (epoch ms), before its reading is made:
   * ends an expired episode, maybe starts one, and returns the episode code now active. A
   * heart-rhythm episode starts only while the customer rests or sleeps (`atRest`); one due at
   * another time waits, so that workouts and walks do not lower the share in an episode.
   */
  update(pop: Population, i: number, t: number, customerId: string, atRest: boolean): number {
    let code = pop.episode[i]!;
    if (code !== NO_EPISODE && t >= pop.episodeEnd[i]!) {
      code = isClinical(code) && this.rnd.chance(LOSS_AFTER_EPISODE) ? this.start(pop, i, t, customerId, SIGNAL_LOSS) : NO_EPISODE;
      pop.episode[i] = code;
    }
    if (code !== NO_EPISODE) return code;
    const r = this.rnd.float();
    const clinical = r < this.clinicalStart || pop.episodeDue[i] === 1;
    if (clinical && !atRest) pop.episodeDue[i] = 1;
    else if (clinical) code = this.start(pop, i, t, customerId, pickSpec(CLINICAL, 0, this.rnd));
    else if (r < this.clinicalStart + this.faultStart) code = this.start(pop, i, t, customerId, pickSpec(FAULTS, CLINICAL.length, this.rnd));
    return code;
  }

  private start(pop: Population, i: number, t: number, customerId: string, code: number): number {
    const spec = SPECS[code - 1]!;
    const end = t + Math.round(this.rnd.between(spec.minutes[0], spec.minutes[1]) * 60) * 1000;
    pop.episode[i] = code;
    pop.episodeEnd[i] = end;
    if (isClinical(code)) pop.episodeDue[i] = 0;
    if (spec.level) pop.episodeLevel[i] = this.rnd.between(spec.level[0], spec.level[1]);
    this.report({ customerId, kind: spec.kind, start: t, end, movement: MOVEMENT_NAMES[pop.movement[i]!]! });
    return code;
  }

  /** The reading of customer i during heart-rhythm episode `code`: its level plus noise, in band. */
  reading(pop: Population, i: number, code: number): number {
    const band = SPECS[code - 1]!.band!;
    const value = Math.round(pop.episodeLevel[i]! + pop.noise[i]!);
    return Math.min(band[1], Math.max(band[0], value));
  }
}
