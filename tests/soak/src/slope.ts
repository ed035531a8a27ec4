/** The least-squares line through points: how the runner's memory grows with the inputs it has run. */
export interface Line {
  readonly slope: number;
  readonly intercept: number;
}

/** Undefined with fewer than two distinct x values (no line to fit). */
export function leastSquares(points: ReadonlyArray<readonly [number, number]>): Line | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
