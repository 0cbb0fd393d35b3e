import { formatPairs, formatTable, formatTime, type Column } from './table.js';

interface Row {
  id: string;
  n: number | null;
  note?: string;
}

const columns: Column<Row>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'COUNT', value: (r) => r.n, align: 'right' },
  { header: 'NOTE', value: (r) => r.note, maxWidth: 10 },
];

describe('formatTable', () => {
  it('aligns columns two spaces apart under a header, numbers right-aligned, no trailing spaces', () => {
    const out = formatTable(columns, [
      { id: 'dlv_1', n: 5, note: 'ok' },
      { id: 'dlv_22222', n: 1234 },
    ]);
    expect(out).toBe(['ID         COUNT  NOTE', 'dlv_1          5  ok', 'dlv_22222   1234  -', ''].join('\n'));
  });

  it('prints absent values as -', () => {
    expect(formatTable(columns, [{ id: '', n: null }])).toBe('ID  COUNT  NOTE\n-       -  -\n');
  });

  it('cuts long cells to maxWidth with an ellipsis and keeps multi-line text on one line', () => {
    const out = formatTable(columns, [{ id: 'a', n: 1, note: 'connect ECONNREFUSED\n127.0.0.1:9' }]);
    expect(out.split('\n')[1]).toBe('a       1  connect E…');
    expect(out.split('\n')).toHaveLength(3);
  });

  it('measures characters, not bytes', () => {
    const out = formatTable([{ header: 'NAME', value: (r: { name: string }) => r.name }, { header: 'X', value: () => 'x' }], [
      { name: 'Müller' },
      { name: 'ab' },
    ]);
    expect(out).toBe('NAME    X\nMüller  x\nab      x\n');
  });

  it('prints only the header for no rows, and no header when asked', () => {
    expect(formatTable(columns, [])).toBe('ID  COUNT  NOTE\n');
    expect(formatTable(columns, [{ id: 'x', n: 1 }], { header: false })).toBe('x  1  -\n');
  });
});

describe('formatPairs', () => {
  it('aligns the values after the labels', () => {
    expect(
      formatPairs([
        ['id', 'tnt_1'],
        ['admin key', 'herald_admin_x'],
      ]),
    ).toBe('id:         tnt_1\nadmin key:  herald_admin_x\n');
  });
});

describe('formatTime', () => {
  it('shortens an ISO time and keeps it UTC', () => {
    expect(formatTime('2026-01-08T10:00:00.000Z')).toBe('2026-01-08 10:00:00Z');
    expect(formatTime(null)).toBeNull();
  });
});
