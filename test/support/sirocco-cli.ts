import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
export const SIROCCO_BIN = path.join(ROOT, 'dist/cli/main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Builds dist/ as `npm run build` does, only when the sources changed since the last build
 * (scripts/build.js keeps a hash): the CLI specs run the built bin, as a user does.
 */
export function buildOnce(): void {
  const { build } = require(path.join(ROOT, 'scripts/build.js')) as { build(options?: { force?: boolean }): boolean };
  build();
}

/**
 * Runs `node dist/cli/main.js ...args` in `cwd` with `env` added to a clean environment (no OS_*,
 * no SIROCCO_URL from the machine), standard input from `input`; resolves when it exits.
 */
export function runSirocco(args: string[], env: Record<string, string> = {}, options: { input?: string; cwd?: string } = {}): Promise<CliRun> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OS_') && !key.startsWith('SIROCCO_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SIROCCO_BIN, ...args], { cwd: options.cwd ?? ROOT, env: { ...inherited, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
