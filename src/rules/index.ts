// What plugin authors import: defineRule, zod's z (the same copy the app uses), the types, the
// input policy's numbers (for validator defaults) and a zod schema of the activities.
import { z } from 'zod';
import { ACTIVITIES, type Activity } from '../core/types.js';

export { z };
export {
  defineRule, stateful, type OptionsSchema, type PluginDefinition, type PluginKind, type PluginMeta, type ReportDescriptor,
  type RuleCheck, type RuleContext, type RuleDefinition, type StatefulContext, type StatefulRule, type ValidatorCheck,
  type ValidatorContext, type ValidatorDefinition,
} from './contract.js';
export { ACTIVITIES, LEVELS, SEVERITIES, type Activity, type Level, type Reading, type Severity } from '../core/types.js';
export {
  HEART_RATE_MAX_BPM, HEART_RATE_MIN_BPM, MAX_AGE_MS, MAX_FUTURE_MS,
} from '../core/input-policy.js';

/** An activity as a plugin option: one of ACTIVITIES (sleep, rest, walk, exercise). */
export const activitySchema = z.enum(ACTIVITIES as [Activity, ...Activity[]]);
