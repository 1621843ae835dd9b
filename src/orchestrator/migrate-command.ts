// `heartbeat migrate`: resolves the database (server or embedded fallback), creates it when
// missing, applies the migrations in sql/ and prints what it applied.
import type { CommandContext } from './command-context.js';
import { migrate } from '../store/migrate.js';
import { resolveDatabase } from '../store/resolve-database.js';

export async function migrateCommand(ctx: CommandContext): Promise<void> {
  // resolveDatabase and migrate name their own component in the log.
  const database = await resolveDatabase(ctx.config, ctx.sources, ctx.log, { signal: ctx.lifecycle.signal });
  ctx.lifecycle.defer('database', () => database.stop());
  const applied = await migrate(database.url, ctx.config, ctx.log);
  ctx.log.child({ component: 'migrate' }).info({ applied, kind: database.kind }, applied.length === 0 ? 'schema up to date' : 'migrations applied');
}
