import type { EndpointHourOut } from '@herald/schemas';

const SERIES = [
  { key: 'delivered', label: 'Delivered', className: 'bar-delivered' },
  { key: 'failed', label: 'Failed attempts', className: 'bar-failed' },
  { key: 'dead', label: 'Dead', className: 'bar-dead' },
] as const;

/**
 * Delivered, failed and dead per hour as stacked bars (SVG, no chart
 * library), with the same numbers in a table for screen readers.
 */
export function HourlyChart({ hours }: { hours: EndpointHourOut[] }) {
  const max = Math.max(1, ...hours.map((h) => h.delivered + h.failed + h.dead));
  const width = 720;
  const height = 160;
  const slot = width / hours.length;
  const hourLabel = (start: string) => new Date(start).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label={`Deliveries per hour over the last ${hours.length} hours; the table below has the numbers`}>
        {hours.map((h, i) => {
          let y = height;
          return (
            <g key={h.start}>
              <title>{`${hourLabel(h.start)}: ${h.delivered} delivered, ${h.failed} failed, ${h.dead} dead`}</title>
              {SERIES.map((s) => {
                const value = h[s.key];
                const barHeight = (value / max) * (height - 4);
                y -= barHeight;
                return value > 0 ? <rect key={s.key} className={s.className} x={i * slot + 2} y={y} width={Math.max(1, slot - 4)} height={barHeight} /> : null;
              })}
              {i % 3 === 0 && (
                <text x={i * slot + slot / 2} y={height + 14} textAnchor="middle" className="axis">
                  {hourLabel(h.start)}
                </text>
              )}
            </g>
          );
        })}
        <line x1={0} x2={width} y1={height} y2={height} className="axis-line" />
      </svg>
      <figcaption>
        {SERIES.map((s) => (
          <span key={s.key} className="legend">
            <span className={`swatch ${s.className}`} aria-hidden="true" /> {s.label} ({hours.reduce((n, h) => n + h[s.key], 0)})
          </span>
        ))}
        <span className="muted small"> · peak {max} per hour</span>
      </figcaption>
      <details>
        <summary>Numbers per hour</summary>
        <table className="list small" aria-label="Deliveries per hour">
          <thead>
            <tr>
              <th scope="col">Hour</th>
              {SERIES.map((s) => (
                <th scope="col" key={s.key}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {hours.map((h) => (
              <tr key={h.start}>
                <td>
                  <time dateTime={h.start} title={h.start}>
                    {hourLabel(h.start)}
                  </time>
                </td>
                <td>{h.delivered}</td>
                <td>{h.failed}</td>
                <td>{h.dead}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
