/** Number, rate and duration formatting shared by the progress lines, the HUD and the report. */

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function rate(perSecond: number): string {
  if (perSecond >= 1_000_000) return `${(perSecond / 1_000_000).toFixed(1)}M/s`;
  if (perSecond >= 10_000) return `${(perSecond / 1000).toFixed(0)}k/s`;
  if (perSecond >= 1000) return `${(perSecond / 1000).toFixed(1)}k/s`;
  return `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1)}/s`;
}

export function ms(value: number): string {
  if (value === 0) return '0ms';
  if (value >= 60_000) return `${Math.floor(value / 60_000)}m${String(Math.round((value % 60_000) / 1000)).padStart(2, '0')}s`;
  if (value >= 10_000) return `${(value / 1000).toFixed(0)}s`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)}s`;
  if (value >= 10) return `${value.toFixed(0)}ms`;
  return `${value.toFixed(value >= 1 ? 1 : 2)}ms`;
}

export function percent(fraction: number): string {
  return `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
}

/** A bar of `width` cells filled to `fraction`. */
export function bar(fraction: number, width: number): string {
  const f = Number.isFinite(fraction) ? Math.max(0, Math.min(1, fraction)) : 0;
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

export function padEnd(s: string, width: number): string {
  return s.length >= width ? s.slice(0, width) : s + ' '.repeat(width - s.length);
}

export function padStart(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

/** How a stage runs, as shown everywhere: `inline`, `thread×4`. */
export function how(strategy: string, concurrency: number): string {
  return concurrency === 1 ? strategy : `${strategy}×${concurrency}`;
}
