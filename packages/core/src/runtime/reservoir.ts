/**
 * A fixed-size uniform sample of a stream of numbers (Vitter's algorithm R), for latency percentiles with
 * bounded memory however many items pass.
 */
export class Reservoir {
  private readonly samples: Float64Array;
  private seen = 0;

  constructor(readonly capacity = 1024) {
    this.samples = new Float64Array(capacity);
  }

  get count(): number {
    return Math.min(this.seen, this.capacity);
  }

  add(value: number): void {
    if (this.seen < this.capacity) {
      this.samples[this.seen++] = value;
      return;
    }
    this.seen++;
    const j = Math.floor(Math.random() * this.seen);
    if (j < this.capacity) this.samples[j] = value;
  }

  /** Nearest-rank percentiles, `q` in 0..100; 0 when empty. */
  percentiles(qs: readonly number[]): number[] {
    const n = this.count;
    if (n === 0) return qs.map(() => 0);
    const sorted = this.samples.slice(0, n).sort();
    return qs.map((q) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((q / 100) * n) - 1))]!);
  }

  mean(): number {
    const n = this.count;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.samples[i]!;
    return n === 0 ? 0 : sum / n;
  }
}
