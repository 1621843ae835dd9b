// The simulated customers as struct-of-arrays: one typed array per attribute, so 100,000
// customers cost a few MB and no per-customer objects for the garbage collector to trace.
import type { Random } from './random.js';

/** Activity codes (index into ACTIVITIES). */
export const SLEEP = 0;
export const REST = 1;
export const WALK = 2;
export const EXERCISE = 3;

/** Profiles and live state of every customer; index i is customer i. */
export class Population {
  readonly size: number;
  // Profile, fixed for the run.
  readonly age: Uint8Array;
  readonly restingHr: Float32Array;
  /** 0 (sedentary) .. 1 (athlete): lowers resting heart rate, makes exercise more likely. */
  readonly fitness: Float32Array;
  readonly maxHr: Float32Array;
  /** Hour of day (UTC, 0..24) the customer goes to sleep, and for how many hours. */
  readonly bedtimeHour: Float32Array;
  readonly sleepHours: Float32Array;
  /** What the device says about movement: NO_MOVEMENT, ACTIVITY_LABELS or STEP_COUNTS (see wear.ts). */
  readonly movement: Uint8Array;
  /** Until when (epoch ms) the device is off the wrist: no readings; 0 when worn. */
  readonly offUntil: Float64Array;
  /** Slots skipped since the device last sent (consumer devices send on 1 to 3 slots apart). */
  readonly skippedSlots: Uint8Array;
  /** Device serial for device_id, 0 when the device model sends no device_id. */
  readonly deviceSerial: Uint32Array;
  // Activity state machine.
  readonly activity: Uint8Array;
  readonly activityUntil: Float64Array;
  /** Share of the heart-rate reserve the current exercise session uses. */
  readonly intensity: Float32Array;
  /** 1 from the start of an exercise session until the heart rate has recovered. */
  readonly workout: Uint8Array;
  // Heart rate: a smooth underlying value plus slow correlated noise (bpm).
  readonly hr: Float32Array;
  readonly noise: Float32Array;
  // Injected episode or fault (code 0: none), its end and its heart-rate level.
  readonly episode: Uint8Array;
  readonly episodeEnd: Float64Array;
  readonly episodeLevel: Float32Array;
  /** 1 when a heart-rhythm episode is due but waits for the end of a workout. */
  readonly episodeDue: Uint8Array;
  /** Last reported value and activity code: what a flatlining device keeps repeating. */
  readonly lastValue: Uint8Array;
  readonly lastActivity: Uint8Array;

  constructor(size: number, rnd: Random) {
    this.size = size;
    this.age = new Uint8Array(size);
    this.restingHr = new Float32Array(size);
    this.fitness = new Float32Array(size);
    this.maxHr = new Float32Array(size);
    this.bedtimeHour = new Float32Array(size);
    this.sleepHours = new Float32Array(size);
    this.movement = new Uint8Array(size);
    this.offUntil = new Float64Array(size);
    this.skippedSlots = new Uint8Array(size);
    this.deviceSerial = new Uint32Array(size);
    this.activity = new Uint8Array(size);
    this.activityUntil = new Float64Array(size);
    this.intensity = new Float32Array(size);
    this.workout = new Uint8Array(size);
    this.hr = new Float32Array(size);
    this.noise = new Float32Array(size);
    this.episode = new Uint8Array(size);
    this.episodeEnd = new Float64Array(size);
    this.episodeLevel = new Float32Array(size);
    this.episodeDue = new Uint8Array(size);
    this.lastValue = new Uint8Array(size);
    this.lastActivity = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const fitness = rnd.float();
      const age = rnd.int(18, 85);
      this.fitness[i] = fitness;
      this.age[i] = age;
      // Fitter people have lower resting rates; the rest is individual variation (range 50..85).
      this.restingHr[i] = 50 + 35 * (0.6 * (1 - fitness) + 0.4 * rnd.float());
      this.maxHr[i] = 208 - 0.7 * age; // Tanaka et al. 2001
      this.bedtimeHour[i] = (rnd.between(21.5, 24.75)) % 24;
      this.sleepHours[i] = rnd.between(6.5, 8.5);
      this.deviceSerial[i] = rnd.chance(0.7) ? 1 + Math.floor(rnd.float() * 0xfffffffe) : 0;
    }
  }
}
