// A config file for the app under test (plugin options, for instance), named by HEARTBEAT_CONFIG as
// a user would: tests about the plumbing shorten the rules' 10-minute episodes with it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/**
 * Writes `content` to a JSON file now (so it exists before any beforeAll starts the app) and
 * removes it after the calling file's or block's tests; returns the env that names it.
 */
export function useConfigFile(content: Record<string, unknown>): { HEARTBEAT_CONFIG: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hb-config-'));
  const file = path.join(dir, 'heartbeat.json');
  writeFileSync(file, JSON.stringify(content));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { HEARTBEAT_CONFIG: file };
}

/**
 * Plugin settings for tests about what happens to an anomaly (stored, listed, alerted), not about
 * when a rule calls one: tachycardia and bradycardia confirm an episode after one second of readings
 * instead of ten minutes, so two readings a second apart make one.
 */
export const SHORT_EPISODES = {
  plugins: {
    tachycardia: { options: { durationMs: 1000 } },
    bradycardia: { options: { durationMs: 1000 } },
  },
} as const;
