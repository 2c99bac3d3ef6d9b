/**
 * Progress display for long stages: a `cli-progress` bar with stories/s on a terminal, one log line every
 * 10 s otherwise (CI logs, redirected stderr), nothing when quiet.
 */
import cliProgress from 'cli-progress';

export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly start = performance.now();
  private lastLog = 0;
  private stories = 0;
  private value = 0;

  /**
   * @param label stage name shown before the bar
   * @param total bar total in `unit`s (e.g. input bytes, stories)
   * @param unit what `total` counts
   * @param quiet print nothing
   */
  constructor(private readonly label: string, private readonly total: number, private readonly unit: string, private readonly quiet = false) {
    if (quiet) return;
    if (process.stderr.isTTY) {
      this.bar = new cliProgress.SingleBar({
        stream: process.stderr,
        format: `${label.padEnd(10)} |{bar}| {percentage}% | {stories} stories | {rate} stories/s | ETA {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(Math.max(1, total), 0, { stories: 0, rate: '0' });
    }
  }

  /** Stories per second since the stage started. */
  get rate(): number {
    const s = (performance.now() - this.start) / 1000;
    return s > 0 ? this.stories / s : 0;
  }

  /** Set the absolute progress (`value` in units, `stories` handled so far). */
  update(value: number, stories: number): void {
    this.value = value;
    this.stories = stories;
    if (this.quiet) return;
    if (this.bar) {
      this.bar.update(Math.min(value, this.total), { stories, rate: this.rate.toFixed(0) });
      return;
    }
    const now = performance.now();
    if (now - this.lastLog > 10_000) {
      this.lastLog = now;
      const pct = this.total > 0 ? ((100 * this.value) / this.total).toFixed(1) : '?';
      process.stderr.write(`${this.label}: ${pct}% of ${this.unit}, ${stories} stories, ${this.rate.toFixed(0)} stories/s\n`);
    }
  }

  /** Finish the bar and print a summary line. */
  stop(): void {
    if (this.quiet) return;
    if (this.bar) {
      this.bar.update(this.total, { stories: this.stories, rate: this.rate.toFixed(0) });
      this.bar.stop();
    }
    const s = (performance.now() - this.start) / 1000;
    process.stderr.write(`${this.label}: ${this.stories} stories in ${s.toFixed(1)} s (${this.rate.toFixed(0)} stories/s)\n`);
  }
}
