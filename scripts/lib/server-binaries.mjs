// @ts-check
// Where `npm start` looks for the PostgreSQL and Redis programs it runs itself, and what to
// tell someone who has neither.
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Folders searched after PATH when HERALD_START_BIN_DIRS is not set: where Debian/Ubuntu
 * (`/usr/lib/postgresql/<version>/bin`, which is not on PATH) and Homebrew (Apple silicon,
 * Intel, Linux; `postgresql@<version>` is keg-only) put the programs. A `*` stands for any
 * name in that folder; the highest version comes first.
 */
export const DEFAULT_BIN_DIRS = [
  '/usr/lib/postgresql/*/bin',
  '/usr/bin',
  '/usr/sbin',
  '/opt/homebrew/bin',
  '/opt/homebrew/opt/postgresql@*/bin',
  '/usr/local/bin',
  '/usr/local/opt/postgresql@*/bin',
  '/home/linuxbrew/.linuxbrew/bin',
  '/home/linuxbrew/.linuxbrew/opt/postgresql@*/bin',
];

/** The number a folder name carries (`15`, `postgresql@16`), for sorting versions. */
const versionOf = (/** @type {string} */ name) => Number(/(\d+(?:\.\d+)?)/.exec(name)?.[1] ?? -1);

/**
 * The folders a pattern names, a `*` in one path segment matching any entry there (highest
 * version first). Folders that do not exist are left out.
 *
 * @param {string} pattern
 * @returns {string[]}
 */
export function expandPattern(pattern) {
  const segments = pattern.split('/');
  const star = segments.findIndex((segment) => segment.includes('*'));
  if (star < 0) return isDirectory(pattern) ? [pattern] : [];
  const parent = segments.slice(0, star).join('/') || '/';
  const escaped = segments[star].replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  const matcher = new RegExp(`^${escaped}$`);
  let names;
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  return names
    .filter((name) => matcher.test(name))
    .sort((a, b) => versionOf(b) - versionOf(a) || b.localeCompare(a))
    .flatMap((name) => expandPattern([parent, name, ...segments.slice(star + 1)].join('/')));
}

/** @param {string} dir */
function isDirectory(dir) {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** @param {string} file */
function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The folders to look in, in order: PATH, then HERALD_START_BIN_DIRS (a PATH-style list of
 * folders or patterns) or, when that is unset, {@link DEFAULT_BIN_DIRS}.
 *
 * @param {NodeJS.ProcessEnv} env
 * @returns {string[]}
 */
export function searchDirs(env) {
  const split = (/** @type {string | undefined} */ value) => (value ?? '').split(path.delimiter).filter((entry) => path.isAbsolute(entry));
  const patterns = env.HERALD_START_BIN_DIRS ? split(env.HERALD_START_BIN_DIRS) : DEFAULT_BIN_DIRS;
  return [...new Set([...split(env.PATH), ...patterns.flatMap(expandPattern)])];
}

/**
 * Every folder among `dirs` holding all of `programs` as executables, in search order.
 *
 * @param {string[]} dirs
 * @param {string[]} programs
 * @returns {string[]}
 */
export function dirsWith(dirs, programs) {
  return dirs.filter((dir) => programs.every((program) => isExecutable(path.join(dir, program))));
}

/**
 * The command that installs what is missing on this platform, e.g.
 * `sudo apt-get install postgresql redis-server`; undefined where we know no package manager.
 *
 * @param {{ postgres: boolean, redis: boolean }} missing
 * @param {{ platform?: NodeJS.Platform, root?: boolean }} [on]
 */
export function installCommand(missing, { platform = process.platform, root = process.geteuid?.() === 0 } = {}) {
  const sudo = root ? '' : 'sudo ';
  const pick = (/** @type {string} */ postgres, /** @type {string} */ redis) => [missing.postgres && postgres, missing.redis && redis].filter(Boolean).join(' ');
  if (platform === 'darwin') return `brew install ${pick('postgresql@17', 'redis')}`;
  if (platform !== 'linux') return undefined;
  if (existsSync('/etc/debian_version')) return `${sudo}apt-get install ${pick('postgresql', 'redis-server')}`;
  if (existsSync('/etc/fedora-release') || existsSync('/etc/redhat-release')) return `${sudo}dnf install ${pick('postgresql-server', 'redis')}`;
  if (existsSync('/etc/alpine-release')) return `${sudo}apk add ${pick('postgresql', 'redis')}`;
  if (existsSync('/etc/arch-release')) return `${sudo}pacman -S ${pick('postgresql', 'redis')}`;
  return undefined;
}
