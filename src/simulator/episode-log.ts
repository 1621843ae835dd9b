// The log of injected episodes and faults: kept in memory for an evaluator, passed to a
// callback, and/or written as JSON lines to a file (one record per line, replaced at start).
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { EpisodeRecord } from './types.js';

/** Where episode records go. */
export interface EpisodeLogOptions {
  /** JSON-lines file the records are written to (created with its folder; replaced at start). */
  file?: string;
  /** Keep every record in memory (default true; turn off for endless real-time runs). */
  keep?: boolean;
  /** Called with each record as its episode starts. */
  onEpisode?: (record: EpisodeRecord) => void;
}

/** Collects episode records and hands them to the configured sinks. */
export class EpisodeLog {
  private readonly kept: EpisodeRecord[] = [];
  private readonly keep: boolean;
  private readonly onEpisode: ((record: EpisodeRecord) => void) | undefined;
  private fd: number | undefined;
  private added = 0;

  constructor(options: EpisodeLogOptions = {}) {
    this.keep = options.keep ?? true;
    this.onEpisode = options.onEpisode;
    if (options.file !== undefined && options.file !== '') {
      mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
      this.fd = openSync(options.file, 'w');
    }
  }

  /** Records one episode. Written synchronously: episodes are rare and must not be lost. */
  add(record: EpisodeRecord): void {
    this.added++;
    if (this.keep) this.kept.push(record);
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(record)}\n`);
    this.onEpisode?.(record);
  }

  /** How many records were added, kept or not. */
  get count(): number {
    return this.added;
  }

  /** Every record so far (empty when `keep` is false). */
  get records(): readonly EpisodeRecord[] {
    return this.kept;
  }

  /** Closes the file; later records still reach memory and the callback. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Parses a JSON-lines episode log (as written above) back into records. */
export function parseEpisodeLog(text: string): EpisodeRecord[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as EpisodeRecord);
}
