// Builds dist/ from src/ with tsc and the web UI (ui/, Vite) into dist/ui, and records a hash of what it was built from (dist/.build-hash),
// so that `npm start` builds only when the sources changed. `node scripts/build.js` always builds.
'use strict';
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const HASH_FILE = path.join(DIST, '.build-hash');

const UI_SOURCE = /\.(ts|tsx|mts|css|html|json|svg)$/;

function sourceFiles(folder, pattern = /\.ts$/) {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(file, pattern);
    return pattern.test(entry.name) && !entry.name.endsWith('.spec.ts') ? [file] : [];
  });
}

/** A hash of everything the build depends on: the sources, the compiler settings and versions. */
function sourceHash() {
  const hash = createHash('sha256');
  const inputs = [...sourceFiles(path.join(ROOT, 'src')).sort(), ...sourceFiles(path.join(ROOT, 'ui'), UI_SOURCE).sort(), 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
  for (const input of inputs) {
    const file = path.resolve(ROOT, input);
    if (!fs.existsSync(file)) continue;
    hash.update(path.relative(ROOT, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function isFresh(hash) {
  return fs.existsSync(path.join(DIST, 'main.js')) && fs.existsSync(path.join(DIST, 'ui', 'index.html')) && fs.existsSync(HASH_FILE) && fs.readFileSync(HASH_FILE, 'utf8').trim() === hash;
}

/** Runs tsc when dist/ is missing or older than the sources (always with force); exits on a failed build. */
function build({ force = false } = {}) {
  const hash = sourceHash();
  if (!force && isFresh(hash)) return false;
  let tscPath;
  try {
    tscPath = require.resolve('typescript/bin/tsc');
  } catch {
    // an install without devDependencies: run what was built, if anything
    if (!force && fs.existsSync(path.join(DIST, 'main.js'))) return false;
    process.stderr.write('sirocco: cannot build dist/: typescript is not installed (run npm ci)\n');
    process.exit(1);
  }
  process.stdout.write('sirocco: building dist/ from src/ and ui/ (tsc, vite; only when the sources changed)\n');
  const started = Date.now();
  fs.rmSync(DIST, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [tscPath, '-p', path.join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) {
    process.stderr.write('sirocco: the build failed (see above)\n');
    process.exit(tsc.status ?? 1);
  }
  buildWebUi(tscPath);
  fs.writeFileSync(HASH_FILE, hash + '\n');
  process.stdout.write(`sirocco: built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return true;
}

/** The web UI: type-checked with its own tsconfig (strict, DOM), then bundled by Vite into dist/ui. */
function buildWebUi(tscPath) {
  const steps = [
    ['type check of ui/', [tscPath, '-p', path.join(ROOT, 'ui', 'tsconfig.json')]],
    ['vite build of ui/', [path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js'), 'build', '-c', path.join(ROOT, 'ui', 'vite.config.mts')]],
  ];
  for (const [what, args] of steps) {
    const step = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
    if (step.status !== 0) {
      process.stderr.write(`sirocco: the ${what} failed (see above)\n`);
      process.exit(step.status ?? 1);
    }
  }
}

module.exports = { build };

// `node scripts/build.js` always builds; `--if-changed` (npm ci's prepare step) only when the sources changed
if (require.main === module) build({ force: !process.argv.includes('--if-changed') });
