// The report of the profile phase (hot spots): its headline and the "Hot spots" section
// (per-event Redis commands and PostgreSQL transactions, PostgreSQL perf, each profiled process).
import { WRITE_FRAMES } from '../lib/cpuprofile.mjs';
import { cpuKeyOfProfile, runOfProfile } from '../phases/profile.mjs';
import { fmt, mdTable, pct } from '../lib/util.mjs';

export function headlines(results) {
  const out = [];
  const prof = results.profile?.services;
  if (prof?.ingest && prof?.worker) {
    const top = (a) => (a.ownersExclWrites ?? a.owners).slice(0, 4).map((p) => `${p.pkg} ${fmt(p.pct, 0)} %`).join(', ');
    out.push(`**Hot spots** (CPU profile, socket-write waiting left out): ingest — ${top(prof.ingest)}; worker — ${top(prof.worker)}${prof['worker-batch'] ? `; worker draining batches — ${top(prof['worker-batch'])}` : ''}.`);
  }
  return out;
}

export function section(results, s) {
  const prof = results.profile;
  if (!prof?.services || !Object.keys(prof.services).length) return [];
  const L = [];
  const failed = s.targets.filter((t) => t.pass === false);
  L.push('## Hot spots (CPU profiles)');
  L.push('');
  L.push(
    `${failed.length ? `Targets missed: ${failed.length}. ` : ''}Profiled with \`node --cpu-prof\` during a ${fmt(prof.run.events)}-event single-ingest run to 1 endpoint (${fmt(prof.run.rate, 0)} events/s while profiled${prof.baselineRun ? `; baseline ${fmt(prof.baselineRun.rate, 0)} events/s` : ''}). ${prof.batchRun ? `Then again (profiles \`*-batch\`) during a ${fmt(prof.batchRun.events)}-event run in batches of ${results.params.batchSize} (${fmt(prof.batchRun.rate, 0)} events/s while profiled${prof.baselineBatchRun ? `; baseline ${fmt(prof.baselineBatchRun.rate, 0)} events/s` : ''}), where ingest is done within a second or two and the worker drains the backlog alone: the worker's profile there is what bounds the batch rate. ` : ''}Only the samples taken while the measured load ran are counted (start-up and a warm-up run are left out). Self time as a share of each process's busy (non-idle) time in that window. Files: \`${prof.dir}/\` (git-ignored; open in Chrome DevTools → Performance, or speedscope).`,
  );
  L.push('');
  if (prof.perEvent) {
    const pe = prof.perEvent;
    L.push(
      `Per event in that run: **${fmt(pe.pgTransactions, 1)} PostgreSQL transactions** (statements outside a transaction count one each; from pg_stat_database, the bench's own polling subtracted), ${fmt(pe.pgRowsFetched, 1)} rows fetched, ${fmt(pe.pgRowsInserted, 1)} inserted, ${fmt(pe.pgRowsUpdated, 1)} updated; **Redis commands**: ${Object.entries(pe.redisCommands).map(([k, v]) => `${k} ${fmt(v, 1)}`).join(', ')} (MONITOR, by client port).${pe.bullWorkerConnections > 0.005 ? ` The worker started ${fmt(pe.bullWorkerConnections * prof.run.delivered)} BullMQ Workers (${fmt(pe.bullWorkerConnections, 3)} per event) for this ONE endpoint: it retires the endpoint's Worker whenever its queue is momentarily empty (\`drained\`) and starts a new one (new blocking connection, rate-limit query) on the next job.` : ''}`,
    );
    L.push('');
    for (const [svc, cmds] of Object.entries(pe.redisByCommand)) {
      L.push(`- ${svc}: ${Object.entries(cmds).slice(0, 10).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ')}`);
    }
    L.push('');
  }
  if (prof.postgres?.samplesFound) {
    const pgp = prof.postgres;
    L.push(`### PostgreSQL — \`perf record -a -g\` during the same run, the bench database's backends only`);
    L.push('');
    L.push(
      `PostgreSQL used ${fmt(prof.perEvent.pgCpuMsPerTransaction, 2)} ms of CPU per transaction (${fmt(prof.perEvent.pgTransactions, 1)} transactions per event). Share of its samples spent inside each stage (inclusive, and lower bounds: perf's call chains stop at frames built without frame pointers; stages nest, so they do not add up): ${pgp.stages.filter((x) => x.pct > 0).map((x) => `**${x.label} ${fmt(x.pct, 1)} %**`).join(', ')}. Kernel (network, fsync, scheduling): ${fmt(pgp.kernelPct, 1)} % self. File: \`${pgp.file}\` (\`perf report -i … --pid … --sort pid,symbol\`, summed over the pids).`,
    );
    L.push('');
    L.push(mdTable(['Symbol (self time)', '% of PostgreSQL samples'], pgp.self.slice(0, 12).map((x) => [`\`${x.symbol}\`${x.kernel ? ' (kernel)' : ''}`, fmt(x.pct, 1)])));
    L.push('');
  } else if (prof.postgresNote) {
    L.push(`PostgreSQL profile: ${prof.postgresNote}.`);
    L.push('');
  }
  for (const [name, a] of Object.entries(prof.services)) {
    L.push(`### ${name} — busy ${fmt(a.busyMs / 1000, 1)} s of the ${fmt(a.totalMs / 1000, 1)} s window`);
    L.push('');
    const cpuMs = runOfProfile(prof, name)?.resources?.cpu?.[cpuKeyOfProfile(name)];
    if (Number.isFinite(cpuMs)) {
      const waiting = Math.max(0, a.busyMs - cpuMs);
      L.push(
        `The process used ${fmt(cpuMs / 1000, 1)} s of CPU (\`/proc\`) in that run, while the profile counts ${fmt(a.busyMs / 1000, 1)} s of non-idle samples: V8 samples wall time, so ~${fmt(waiting / 1000, 1)} s (${pct(waiting / a.busyMs)}) is time the process was runnable but waiting for one of the 2 cores. The kernel mostly switches away where a socket write wakes the reader, so that waiting is charged to the native write frames (\`writev\`, \`writeBuffer\`: ${pct(a.writeMs / a.busyMs)} of samples here). Read the write frames as "waiting for a core" and the rest as CPU.`,
      );
      L.push('');
    }
    L.push(`By package (self time): ${a.packages.slice(0, 10).map((p) => `${p.pkg} ${fmt(p.pct, 1)} %`).join(', ')}.`);
    L.push('');
    L.push(`By library responsible (Node-internal and native frames charged to the library that called them), **excluding the socket-write frames**: ${(a.ownersExclWrites ?? a.owners).slice(0, 10).map((p) => `**${p.pkg} ${fmt(p.pct, 1)} %**`).join(', ')}.`);
    L.push('');
    L.push(`The same including the write frames (so including the waiting): ${a.owners.slice(0, 8).map((p) => `${p.pkg} ${fmt(p.pct, 1)} %`).join(', ')}.`);
    L.push('');
    const cpuLike = a.functions.filter((fn) => !(fn.pkg === '(native/V8)' && WRITE_FRAMES.has(fn.name)));
    const base = a.busyMs - (a.writeMs ?? 0);
    L.push(
      mdTable(
        ['Function (self time, write frames left out)', 'Where', '% of busy excl. writes', 'ms'],
        cpuLike.slice(0, 12).map((fn) => [`\`${fn.name}\``, `${fn.location || fn.pkg}`, fmt((100 * fn.selfMs) / base, 1), fmt(fn.selfMs, 0)]),
      ),
    );
    L.push('');
  }
  return L;
}
