/** Samples and their percentiles, for the benchmark's report. */

export class Samples {
  private values = new Float64Array(1_024);
  private count = 0;

  add(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count] = value;
    this.count += 1;
  }

  get size(): number {
    return this.count;
  }

  /** Percentiles (0-100) in the order asked; NaN when there are no samples. */
  percentiles(...points: number[]): number[] {
    if (this.count === 0) return points.map(() => Number.NaN);
    const sorted = this.values.slice(0, this.count).sort();
    return points.map(
      (point) =>
        sorted[Math.min(this.count - 1, Math.ceil((point / 100) * this.count) - 1)] ?? Number.NaN,
    );
  }

  clear(): void {
    this.count = 0;
  }
}
