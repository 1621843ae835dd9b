// `heartbeat plugins`: loads the plugins as start-up would (a broken one fails the same way) and
// lists them in run order with kind, version, state and effective options.
import type { CommandContext } from './command-context.js';
import { describePlugins } from '../rules/loader.js';

export async function pluginsCommand(ctx: CommandContext): Promise<void> {
  const plugins = await describePlugins(ctx.config.plugins.dir, ctx.config.plugins.settings);
  const width = Math.max(2, ...plugins.map((p) => p.id.length));
  const lines = plugins.map((p) => [
    `${p.id.padEnd(width)}  ${p.kind.padEnd(9)}  v${p.version}  ${p.enabled ? 'enabled' : 'disabled'}  ${p.description}`,
    `${''.padEnd(width)}  options: ${p.options === null ? '(not validated: disabled)' : JSON.stringify(p.options)}`,
  ].join('\n'));
  process.stdout.write(`${plugins.length} plugins from ${ctx.config.plugins.dir} (in run order):\n${lines.join('\n')}\n`);
}
