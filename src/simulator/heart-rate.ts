// Heart-rate dynamics: a first-order, slope-limited approach to an activity-dependent target
// plus slow correlated (Ornstein–Uhlenbeck) noise, so consecutive readings move smoothly.
import { EXERCISE, SLEEP, WALK, type Population } from './population.js';
import type { Random } from './random.js';

/**
 * Bounds of normal traffic outside a workout. They keep a margin to the rules' thresholds
 * (bradycardia < 50, tachycardia > 110), so that only injected episodes cross them.
 */
export const NORMAL_MIN_BPM = 54;
export const NORMAL_MAX_BPM = 100;
/** A workout lasts until the heart rate has come down to this after the exercise session. */
const RECOVERED_BPM = 95;

// Exercise takes the heart from rest to a high rate over a minute or more: in the recordings a rise
// from 90 to above 110 bpm takes over a minute in nearly nine of ten cases. Faster rises are what the
// tachycardia rule reads as an abrupt (arrhythmic) onset on devices that report no movement.
const RISE_TAU_S = 60;
const FALL_TAU_S = 45;
const MAX_RISE_BPM_PER_S = 0.4;
const MAX_FALL_BPM_PER_S = 1;
const NOISE_SD_BPM = 1.5;
const NOISE_TAU_S = 45;

/** Where customer i's heart rate is heading in its current activity (bpm). */
export function targetHr(pop: Population, i: number): number {
  const resting = pop.restingHr[i]!;
  switch (pop.activity[i]) {
    // Floors keep even an athlete's night clear of the bradycardia threshold.
    case SLEEP: return Math.max(60, resting - 5);
    case WALK: return Math.min(96, Math.max(72, resting + 18 + 10 * (1 - pop.fitness[i]!)));
    case EXERCISE: return resting + (pop.maxHr[i]! - resting) * pop.intensity[i]!;
    default: return Math.max(62, resting + 4);
  }
}

/** Steps every customer's heart rate by one reading interval (the same for all customers). */
export class HeartRateModel {
  private readonly riseShare: number;
  private readonly fallShare: number;
  private readonly maxRise: number;
  private readonly maxFall: number;
  private readonly noiseKeep: number;
  private readonly noiseKick: number;

  constructor(intervalMs: number) {
    const dt = intervalMs / 1000;
    this.riseShare = 1 - Math.exp(-dt / RISE_TAU_S);
    this.fallShare = 1 - Math.exp(-dt / FALL_TAU_S);
    this.maxRise = MAX_RISE_BPM_PER_S * dt;
    this.maxFall = MAX_FALL_BPM_PER_S * dt;
    this.noiseKeep = Math.exp(-dt / NOISE_TAU_S);
    this.noiseKick = NOISE_SD_BPM * Math.sqrt(1 - this.noiseKeep * this.noiseKeep);
  }

  /** Starts customer i at its target with stationary noise. */
  init(pop: Population, i: number, rnd: Random): void {
    pop.hr[i] = targetHr(pop, i);
    pop.noise[i] = NOISE_SD_BPM * rnd.normal();
    pop.workout[i] = pop.activity[i] === EXERCISE ? 1 : 0;
    pop.lastValue[i] = this.output(pop, i);
    pop.lastActivity[i] = pop.activity[i]!;
  }

  /** Advances customer i by one interval; returns the normal reading in whole bpm. */
  step(pop: Population, i: number, rnd: Random): number {
    const hr = pop.hr[i]!;
    const gap = targetHr(pop, i) - hr;
    const move = gap > 0 ? Math.min(gap * this.riseShare, this.maxRise) : Math.max(gap * this.fallShare, -this.maxFall);
    pop.hr[i] = hr + move;
    pop.noise[i] = pop.noise[i]! * this.noiseKeep + this.noiseKick * rnd.normal();
    if (pop.workout[i] === 1 && pop.activity[i] !== EXERCISE && pop.hr[i]! < RECOVERED_BPM) pop.workout[i] = 0;
    return this.output(pop, i);
  }

  private output(pop: Population, i: number): number {
    const value = pop.hr[i]! + pop.noise[i]!;
    const high = pop.workout[i] === 1 ? pop.maxHr[i]! : NORMAL_MAX_BPM;
    return Math.round(Math.min(high, Math.max(NORMAL_MIN_BPM, value)));
  }
}
