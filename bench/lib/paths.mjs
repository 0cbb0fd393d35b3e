// Where the benchmark lives, and how it names paths in what it prints: relative to the
// repository root, never an absolute path of the machine it ran on.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const benchDir = path.join(root, 'bench');
export const resultsDir = path.join(benchDir, 'results');

/**
 * A path (or file:// URL) as the report and the console show it: repository-relative inside
 * the repository, `$TMPDIR/…` or `~/…` in the temp or home directory, otherwise its last two
 * parts after `…/`. Anything that is not an absolute path is returned unchanged.
 */
export function displayPath(value) {
  let p = String(value);
  if (p.startsWith('file://')) {
    try {
      p = fileURLToPath(p);
    } catch {
      return p;
    }
  }
  if (!path.isAbsolute(p)) return p;
  const inside = (dir) => dir && (p === dir || p.startsWith(`${dir}${path.sep}`));
  if (inside(root)) return path.relative(root, p) || '.';
  if (inside(os.tmpdir())) return path.join('$TMPDIR', path.relative(os.tmpdir(), p));
  if (inside(os.homedir())) return path.join('~', path.relative(os.homedir(), p));
  return `…/${p.split(path.sep).slice(-2).join('/')}`;
}

/**
 * `text` with every absolute path of this machine in it (file:// URLs, the repository, the
 * temp and home directories) rewritten by displayPath: for error messages and stack traces.
 */
export function scrubPaths(text) {
  const bases = [...new Set([root, os.tmpdir(), os.homedir()].filter((d) => d && d !== path.sep))].sort((a, b) => b.length - a.length);
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stop = `\\s'"\`()<>:,;`;
  const pattern = new RegExp(`(?:file://)?(?:${bases.map(escape).join('|')})(?![^/${stop}])(?:/[^${stop}]*)?`, 'g');
  return String(text).replace(pattern, (match) => displayPath(match.startsWith('file://') ? match.slice(7) : match));
}
