// Hand-written SVG charts (no dependencies): grouped bar charts with min–max whiskers and
// an optional target line, and a simple line chart; panels laid out on one page.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

export const COLORS = {
  herald: '#2f6fb3',
  heraldLight: '#7fb0e0',
  baseline: '#8a8a8a',
  bad: '#d0612a',
  good: '#3a9a5b',
  target: '#c0392b',
  grid: '#e3e3e3',
  text: '#222',
  muted: '#666',
};

/** A "nice" upper bound for an axis. */
function niceMax(value) {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * exp >= value) return m * exp;
  return 10 * exp;
}

function fmtTick(v) {
  if (v >= 1000) return `${(v / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })}k`;
  return v.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

function fmtValue(v, decimals) {
  return v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/**
 * A grouped bar chart as an SVG fragment (translated to x, y).
 * groups: [{ label, bars: [{ label, value, min?, max?, color }] }]
 * target: { value, label } draws a dashed horizontal line.
 */
function subtitleLines(subtitle) {
  return subtitle ? String(subtitle).split('\n') : [];
}

function header(out, title, subtitle) {
  out.push(`<text x="12" y="22" ${FONT} font-size="15" font-weight="bold" fill="${COLORS.text}">${esc(title)}</text>`);
  subtitleLines(subtitle).forEach((line, i) => {
    out.push(`<text x="12" y="${40 + i * 15}" ${FONT} font-size="11.5" fill="${COLORS.muted}">${esc(line)}</text>`);
  });
}

/** Opens a chart panel: its frame, title, horizontal grid with y ticks, and the y axis label. */
function panel({ x, y, width, height, title, subtitle, left, top, plotW, plotH, yMax, yUnit, sy }) {
  const out = [`<g transform="translate(${x},${y})">`];
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff" stroke="#ddd"/>`);
  header(out, title, subtitle);
  for (let i = 0; i <= 5; i++) {
    const v = (yMax / 5) * i;
    const yy = sy(v);
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${yy}" y2="${yy}" stroke="${COLORS.grid}"/>`);
    out.push(`<text x="${left - 6}" y="${yy + 4}" ${FONT} font-size="11" text-anchor="end" fill="${COLORS.muted}">${fmtTick(v)}</text>`);
  }
  out.push(
    `<text transform="translate(14,${top + plotH / 2}) rotate(-90)" ${FONT} font-size="11" text-anchor="middle" fill="${COLORS.muted}">${esc(yUnit)}</text>`,
  );
  return out;
}

export function barChart({ x, y, width, height, title, subtitle, unit, groups, target, decimals = 0, legend, yCap }) {
  const values = groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.max ?? b.value])).filter((v) => Number.isFinite(v));
  // With yCap, bars above it are drawn clipped (a ▲ and their real value on top).
  const shown = yCap ? values.filter((v) => v <= yCap) : values;
  const yMax = niceMax(Math.max(...shown, target?.value ?? 0) * 1.08);
  const anyClipped = values.some((v) => v > yMax);
  const top = 36 + 15 * subtitleLines(subtitle).length + (anyClipped ? 28 : 0);
  const left = 62;
  const right = 16;
  const bottom = legend || target ? 66 : 46;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const sy = (v) => top + plotH - (v / yMax) * plotH;
  const out = panel({ x, y, width, height, title, subtitle, left, top, plotW, plotH, yMax, yUnit: unit, sy });
  const groupW = plotW / Math.max(1, groups.length);
  groups.forEach((group, gi) => {
    const n = group.bars.length;
    const barW = Math.min(56, (groupW * 0.8) / Math.max(1, n));
    const start = left + gi * groupW + (groupW - barW * n) / 2;
    group.bars.forEach((bar, bi) => {
      const bx = start + bi * barW;
      if (!Number.isFinite(bar.value)) {
        out.push(`<text x="${bx + barW / 2}" y="${sy(0) - 4}" ${FONT} font-size="10" text-anchor="middle" fill="${COLORS.muted}">n/a</text>`);
        return;
      }
      const clipped = bar.value > yMax;
      const by = clipped ? top : sy(bar.value);
      out.push(`<rect x="${bx + 2}" y="${by}" width="${barW - 4}" height="${Math.max(0, sy(0) - by)}" fill="${bar.color}"${clipped ? ' fill-opacity="0.55"' : ''}><title>${esc(`${group.label} ${bar.label}: ${fmtValue(bar.value, decimals)} ${unit}`)}</title></rect>`);
      if (clipped) {
        out.push(`<text x="${bx + barW / 2}" y="${top + 14}" ${FONT} font-size="12" text-anchor="middle" fill="#fff">▲</text>`);
        // Two rows of labels (by bar index) so neighbours do not collide.
        out.push(`<text x="${bx + barW / 2}" y="${top - 4 - (bi % 2) * 12}" ${FONT} font-size="10.5" font-weight="bold" text-anchor="middle" fill="${COLORS.text}">${bar.clipLabel ?? fmtValue(bar.value, decimals)}</text>`);
        return;
      }
      if (Number.isFinite(bar.min) && Number.isFinite(bar.max) && bar.max > bar.min && bar.max <= yMax) {
        const cx = bx + barW / 2;
        out.push(`<line x1="${cx}" x2="${cx}" y1="${sy(bar.max)}" y2="${sy(bar.min)}" stroke="#111" stroke-width="1.2"/>`);
        out.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${sy(bar.max)}" y2="${sy(bar.max)}" stroke="#111" stroke-width="1.2"/>`);
        out.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${sy(bar.min)}" y2="${sy(bar.min)}" stroke="#111" stroke-width="1.2"/>`);
      }
      const labelY = Math.min(by, Number.isFinite(bar.max) && bar.max <= yMax ? sy(bar.max) : by) - 4;
      out.push(`<text x="${bx + barW / 2}" y="${labelY}" ${FONT} font-size="10.5" text-anchor="middle" fill="${COLORS.text}">${fmtValue(bar.value, decimals)}</text>`);
    });
    const lines = String(group.label).split('\n');
    lines.forEach((line, li) => {
      out.push(`<text x="${left + gi * groupW + groupW / 2}" y="${top + plotH + 16 + li * 13}" ${FONT} font-size="11" text-anchor="middle" fill="${COLORS.text}">${esc(line)}</text>`);
    });
  });
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${sy(0)}" y2="${sy(0)}" stroke="#999"/>`);
  const hasTarget = target && Number.isFinite(target.value);
  if (hasTarget) {
    const ty = sy(target.value);
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${ty}" y2="${ty}" stroke="${COLORS.target}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  }
  // Legend row at the bottom; the target line is explained there, never over the bars.
  const items = [...(legend ?? []), ...(hasTarget ? [{ label: target.label, target: true }] : [])];
  if (items.length) {
    let lx = left;
    const ly = height - 14;
    for (const item of items) {
      if (item.target) out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${COLORS.target}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
      else out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${item.color}"/>`);
      out.push(`<text x="${lx + (item.target ? 23 : 17)}" y="${ly}" ${FONT} font-size="11" fill="${item.target ? COLORS.target : COLORS.text}">${esc(item.label)}</text>`);
      lx += 30 + item.label.length * 6.3;
    }
  }
  out.push('</g>');
  return out.join('\n');
}

/**
 * A line chart as an SVG fragment. series: [{ label, color, points: [[x, y], ...] }]
 */
export function lineChart({ x, y, width, height, title, subtitle, xUnit, yUnit, series, markers = [] }) {
  const top = 36 + 15 * subtitleLines(subtitle).length;
  const left = 62;
  const right = 16;
  const bottom = 66;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xMax = niceMax(Math.max(1, ...xs));
  const yMax = niceMax(Math.max(1, ...ys) * 1.05);
  const sx = (v) => left + (v / xMax) * plotW;
  const sy = (v) => top + plotH - (v / yMax) * plotH;
  const out = panel({ x, y, width, height, title, subtitle, left, top, plotW, plotH, yMax, yUnit, sy });
  for (let i = 0; i <= 5; i++) {
    const xv = (xMax / 5) * i;
    out.push(`<text x="${sx(xv)}" y="${top + plotH + 16}" ${FONT} font-size="11" text-anchor="middle" fill="${COLORS.muted}">${fmtTick(xv)}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 32}" ${FONT} font-size="11" text-anchor="middle" fill="${COLORS.muted}">${esc(xUnit)}</text>`);
  for (const m of markers) {
    out.push(`<line x1="${sx(m.x)}" x2="${sx(m.x)}" y1="${top}" y2="${top + plotH}" stroke="${COLORS.muted}" stroke-dasharray="3 3"/>`);
    out.push(`<text x="${sx(m.x) + 4}" y="${top + 12}" ${FONT} font-size="10.5" fill="${COLORS.muted}">${esc(m.label)}</text>`);
  }
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
  }
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${sy(0)}" y2="${sy(0)}" stroke="#999"/>`);
  let lx = left;
  for (const s of series) {
    out.push(`<line x1="${lx}" x2="${lx + 16}" y1="${height - 18}" y2="${height - 18}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    out.push(`<text x="${lx + 21}" y="${height - 14}" ${FONT} font-size="11" fill="${COLORS.text}">${esc(s.label)}</text>`);
    lx += 36 + s.label.length * 6.3;
  }
  out.push('</g>');
  return out.join('\n');
}

/** Wraps panels (SVG fragments) into a page with a title and footer. */
export function page({ width, height, title, footer, panels }) {
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="#f7f7f7"/>`,
    `<text x="20" y="30" ${FONT} font-size="19" font-weight="bold" fill="${COLORS.text}">${esc(title)}</text>`,
    ...panels,
    `<text x="20" y="${height - 12}" ${FONT} font-size="11" fill="${COLORS.muted}">${esc(footer)}</text>`,
    `</svg>`,
    '',
  ].join('\n');
}
