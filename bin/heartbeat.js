#!/usr/bin/env node
// The `heartbeat` executable: registers tsx (TypeScript without a build step, for the app and for
// dropped-in .ts plugins) and runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli.ts');
run(process.argv.slice(2));
