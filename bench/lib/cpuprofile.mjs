// Reads a V8 .cpuprofile (node --cpu-prof) and ranks self time by function and by package.
import { readFileSync } from 'node:fs';
import { displayPath } from './paths.mjs';

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);
/** V8's native socket-write frames (see `writeMs` below). */
export const WRITE_FRAMES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']);

/** Where a script lives: an npm package, a Herald workspace, Node itself, or a V8 pseudo-node. */
export function packageOf(url, functionName) {
  if (!url) return SPECIAL.has(functionName) ? functionName : '(native/V8)';
  if (url.startsWith('node:')) return 'node core';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const ws = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (ws) return ws[1] === 'packages' ? `@herald/${ws[2]}` : `apps/${ws[2]}`;
  return displayPath(url);
}

function shortLocation(url, line) {
  if (!url) return '';
  const nm = url.lastIndexOf('/node_modules/');
  let s = nm >= 0 ? url.slice(nm + 14) : displayPath(url).replace(/^(?:.*\/)?(packages|apps)\//, '$1/');
  if (s.length > 70) s = `…${s.slice(-69)}`;
  return `${s}:${line + 1}`;
}

/**
 * Summarises a profile: total and busy (non-idle) ms, top functions and packages by self
 * time with their share of busy time.
 */
export function analyzeProfile(file, { top = 15, window } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  // Self time per node from the samples (each weighs the time since the previous one), kept
  // only inside `window` ([start, end] µs of CLOCK_MONOTONIC, the clock of process.hrtime and of V8's profiles).
  const selfUs = new Map();
  let t = profile.startTime;
  let totalUs = 0;
  const [from, to] = window ?? [-Infinity, Infinity];
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < from || t > to) continue;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
    totalUs += dt;
  }
  const byFunction = new Map();
  const byPackage = new Map();
  let idleUs = 0;
  // WebAssembly frames have no package: name them after the JavaScript that called them.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const wasmOwner = (node) => {
    for (let id = parent.get(node.id); id !== undefined; id = parent.get(id)) {
      const url = byId.get(id)?.callFrame.url ?? '';
      if (url && !url.startsWith('wasm://')) return `${packageOf(url, '')} (wasm)`;
    }
    return 'wasm';
  };
  const pkgOfNode = (n) => {
    const url = n.callFrame.url;
    return url.startsWith('wasm://') ? wasmOwner(n) : packageOf(url, n.callFrame.functionName || '(anonymous)');
  };
  // The library responsible: the nearest frame (self or caller) outside Node's own code and
  // native built-ins, so e.g. a socket write done for pg counts for pg.
  const ownerMemo = new Map();
  const ownerOf = (n) => {
    if (ownerMemo.has(n.id)) return ownerMemo.get(n.id);
    const pkg = pkgOfNode(n);
    let owner;
    if (!['node core', '(native/V8)', '(root)'].includes(pkg)) owner = pkg;
    else {
      const up = parent.get(n.id);
      owner = up === undefined || byId.get(up).callFrame.functionName === '(root)' ? 'node core (event loop, HTTP server)' : ownerOf(byId.get(up));
    }
    ownerMemo.set(n.id, owner);
    return owner;
  };
  const byOwner = new Map();
  const byOwnerCpu = new Map();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    const pkg = url.startsWith('wasm://') ? wasmOwner(node) : packageOf(url, name);
    const key = `${name}|${url}|${lineNumber}`;
    const entry = byFunction.get(key) ?? { name, location: shortLocation(url, lineNumber), pkg, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const owner = ownerOf(node);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
    if (!(url === '' && WRITE_FRAMES.has(name))) byOwnerCpu.set(owner, (byOwnerCpu.get(owner) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const pct = (us) => (100 * us) / (busyUs || 1);
  // Native socket writes. On a machine with more runnable processes than cores, writing to a
  // socket wakes its reader and the kernel often switches to it there: V8 samples wall time,
  // so the time this process then waits for a core is charged to these frames.
  let writeUs = 0;
  for (const f of byFunction.values()) if (!f.location && WRITE_FRAMES.has(f.name)) writeUs += f.us;
  return {
    file,
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    writeMs: writeUs / 1000,
    functions: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, location: f.location, pkg: f.pkg, selfMs: f.us / 1000, pct: pct(f.us) })),
    ownersExclWrites: [...byOwnerCpu.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([pkg, us]) => ({ pkg, selfMs: us / 1000, pct: (100 * us) / (busyUs - writeUs || 1) })),
    owners: [...byOwner.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([pkg, us]) => ({ pkg, selfMs: us / 1000, pct: pct(us) })),
    packages: [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([pkg, us]) => ({ pkg, selfMs: us / 1000, pct: pct(us) })),
  };
}
