// Debian packages a test needs on a fresh machine (chromium, kcat): installed with apt-get where
// the binary is missing, as root, so `npm ci && npm test` works without a manual step.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Installs Debian's `pkg` when `binary` is missing; throws with the reason when it cannot. */
export function ensureDebianPackage(pkg: string, binary: string, log: (line: string) => void = () => undefined): void {
  if (existsSync(binary)) return;
  if (process.getuid?.() !== 0) throw new Error(`${binary} is missing and installing it needs root: run \`sudo apt-get install -y ${pkg}\``);
  log(`${binary} is missing: installing Debian's ${pkg} package (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'ignore', env, timeout: 600_000 });
  try {
    install();
  } catch {
    // A fresh machine has no package lists yet: fetch them, then try once more.
    execFileSync('apt-get', ['update'], { stdio: 'ignore', env, timeout: 300_000 });
    install();
  }
  if (!existsSync(binary)) throw new Error(`apt-get install ${pkg} did not provide ${binary}`);
}
