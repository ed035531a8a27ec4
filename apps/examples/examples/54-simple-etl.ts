/**
 * 54 simple ETL: extract rows from CSV text, transform them (types, normalised names, amounts in cents),
 * and load them into a table in batches of 4. Rows that do not validate fail on their own, named by line,
 * and the run goes on.
 *
 *   extract (CSV rows) ─> transform ─> batch(4) ─> load (bulk insert into the table)
 *
 * The table is an in-memory Map in the run's state (created by `beforeRun` when the state has none).
 *
 * Run: npx tsx examples/54-simple-etl.ts   or   npx minigun run examples/54-simple-etl.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect } from './lib/check.js';

export const SALES_CSV = `id,date,region,product,quantity,unit_price
1,2024-03-01,north,widget,3,2.50
2,2024-03-01,south,gadget,1,10.00
3,2024-03-02, North ,widget,2,2.50
4,2024-03-02,east,gizmo,5,1.20
5,2024-03-03,south,widget,three,2.50
6,2024-03-03,west,gadget,2,10.00

7,2024-03-04,east,gadget,1,10.00
8,2024-03-04,south,gizmo,10,1.20
9,,north,widget,1,2.50
10,2024-03-05,west,widget,4,2.50
11,2024-03-05,north,gizmo,3,1.20
`;

interface CsvRow {
  line: number;
  fields: Record<string, string>;
}

interface Sale {
  id: number;
  date: string;
  region: string;
  product: string;
  quantity: number;
  revenueCents: number;
}

export interface EtlState {
  table?: Map<number, Sale>;
}

function transform(row: CsvRow): Sale {
  const f = row.fields;
  const quantity = Number(f.quantity);
  if (!Number.isInteger(quantity) || quantity <= 0) throw new Error(`line ${row.line}: quantity "${f.quantity}" is not a positive whole number`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(f.date ?? '')) throw new Error(`line ${row.line}: date "${f.date}" is not YYYY-MM-DD`);
  const priceCents = Math.round(Number(f.unit_price) * 100);
  return { id: Number(f.id), date: f.date!, region: f.region!.trim().toLowerCase(), product: f.product!, quantity, revenueCents: quantity * priceCents };
}

export const etl = pipeline<EtlState>('simple-etl', { module: import.meta.url }, (p) => {
  p.beforeRun((ctx) => {
    ctx.state.table ??= new Map();
  });
  p.producer('extract', (out) => {
    const [header, ...lines] = SALES_CSV.split('\n');
    const columns = header!.split(',');
    const rows: CsvRow[] = [];
    lines.forEach((text, i) => {
      if (text.trim() === '') return;
      const values = text.split(',');
      rows.push({ line: i + 2, fields: Object.fromEntries(columns.map((c, j) => [c, values[j] ?? ''])) });
    });
    out.total(rows.length);
    return rows;
  });
  p.processor('transform', transform);
  p.batch(4);
  p.consumer('load', (sales: Sale[], _out, ctx) => {
    for (const sale of sales) ctx.state.table!.set(sale.id, sale);
    ctx.collect('inserts', sales.length);
  });
});

if (isMain(import.meta)) {
  const state: EtlState = {};
  const result = await etl.run({ state });
  const table = state.table!;
  const byRegion: Record<string, number> = {};
  for (const sale of table.values()) byRegion[sale.region] = (byRegion[sale.region] ?? 0) + sale.revenueCents;
  const inserts = (result.collected.inserts ?? []) as number[];
  console.log(`54 loaded ${table.size} rows in ${inserts.length} inserts (${inserts.join(', ')})`);
  for (const [region, cents] of Object.entries(byRegion).sort()) console.log(`54   ${region.padEnd(6)} ${(cents / 100).toFixed(2)}`);
  for (const e of result.errors) console.log(`54 rejected: ${e.message}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(result.stats.stages.extract?.out === 11, 'extract read the 11 data rows (the blank line skipped)');
  expect(table.size === 9 && [...table.keys()].sort((a, b) => a - b).join() === '1,2,3,4,6,7,8,10,11', 'the 9 valid rows were loaded, each once');
  // north 3×2.50 + 2×2.50 + 3×1.20; south 1×10.00 + 10×1.20; east 5×1.20 + 1×10.00; west 2×10.00 + 4×2.50
  expect(
    byRegion.north === 1610 && byRegion.south === 2200 && byRegion.east === 1600 && byRegion.west === 3000,
    'revenue per region adds up (" North " normalised to north): 16.10, 22.00, 16.00, 30.00',
  );
  expect(
    result.errors.length === 2 &&
      result.errors.every((e) => e.stage === 'transform') &&
      result.errors.some((e) => e.message.startsWith('line 6: quantity "three"')) &&
      result.errors.some((e) => e.message.startsWith('line 11: date ""')),
    'the two invalid rows were rejected by transform, named by their line',
  );
  expect(inserts.join() === '4,4,1', 'the rows were loaded in batches of 4');
  done('54-simple-etl');
}
