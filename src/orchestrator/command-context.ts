// What every `heartbeat` command receives from the command line (src/cli.ts builds it): the
// loaded config, the root logger, the lifecycle, and the command's own flags and operands. Its
// own module so the commands in this folder need not import the command line that calls them.
import type { LoadedConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { Lifecycle } from './lifecycle.js';

/** What every command receives. */
export interface CommandContext extends LoadedConfig {
  /** The root logger: make a child with your component, e.g. log.child({ component: 'migrate' }). */
  log: Logger;
  lifecycle: Lifecycle;
  /** Command-specific flags, e.g. { nodes: '3' } for `heartbeat kafka --nodes 3`. */
  options: Readonly<Record<string, string>>;
  /** Arguments after the command that are not flags, e.g. the files of `heartbeat replay a.csv b.xml`. */
  operands: readonly string[];
}
