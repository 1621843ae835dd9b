// Seeded random stream of the simulator: one stream per simulator, so a seed fixes every draw.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

const TWO_POW_32 = 4294967296;
// Irwin–Hall of 3 uniforms has variance 1/4: scale by 2 for unit variance. Its tails are
// bounded (±3σ), which keeps the simulated heart rate predictably clear of the thresholds.
const IRWIN_HALL_SCALE = 2;

/** A seeded stream of draws (xoroshiro128+ from pure-rand). */
export class Random {
  private readonly rng: RandomGenerator;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed | 0);
  }

  /** Uniform in [0, 1) with 32 bits of resolution: enough for shares and levels, and cheap. */
  float(): number {
    return (this.rng.next() >>> 0) / TWO_POW_32;
  }

  /** Uniform in [from, to). */
  between(from: number, to: number): number {
    return from + (to - from) * this.float();
  }

  /** Uniform integer in [from, to], both included. */
  int(from: number, to: number): number {
    return from + Math.floor(this.float() * (to - from + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Approximately standard normal, bounded to ±3 (Irwin–Hall of 3 uniforms). */
  normal(): number {
    return (this.float() + this.float() + this.float() - 1.5) * IRWIN_HALL_SCALE;
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }
}
