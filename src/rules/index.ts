// What plugin authors import: defineRule, zod's z (the same copy the app uses) and the types.
export { z } from 'zod';
export {
  defineRule, stateful, type OptionsSchema, type PluginDefinition, type PluginKind, type PluginMeta, type ReportDescriptor,
  type RuleCheck, type RuleContext, type RuleDefinition, type StatefulContext, type StatefulRule, type ValidatorCheck,
  type ValidatorContext, type ValidatorDefinition,
} from './contract.js';
export { ACTIVITIES, LEVELS, SEVERITIES, type Activity, type Level, type Reading, type Severity } from '../core/types.js';
