// The benchmark's console log: every line stamped with the time since the run started.
export const started = Date.now();

export const elapsed = () => {
  const s = Math.round((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

export const log = (message) => process.stdout.write(`[bench ${elapsed()}] ${message}\n`);
