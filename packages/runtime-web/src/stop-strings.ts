/**
 * Stop strings over a stream of text pieces: emits text as soon as it cannot be the start of a stop string, holds
 * back a tail that could still become one, and reports the first stop string found (its text is not emitted).
 */
export class StopStringFilter {
  private pending = '';
  private readonly maxLen: number;

  /** @param stops stop strings; empty strings are ignored. */
  constructor(private readonly stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
    this.maxLen = Math.max(0, ...this.stops.map((s) => s.length));
  }

  /**
   * Adds a piece of text.
   * @returns the text that is safe to emit, and `stopped: true` when a stop string completed (the returned text
   *   then ends right before it, and later pushes must not be made).
   */
  push(piece: string): { text: string; stopped: boolean } {
    if (this.stops.length === 0) return { text: piece, stopped: false };
    this.pending += piece;
    let first = -1;
    for (const s of this.stops) {
      const at = this.pending.indexOf(s);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    if (first >= 0) {
      const text = this.pending.slice(0, first);
      this.pending = '';
      return { text, stopped: true };
    }
    // Hold back the longest suffix that is a proper prefix of some stop string.
    let hold = 0;
    const maxHold = Math.min(this.pending.length, this.maxLen - 1);
    for (let n = maxHold; n > 0; n--) {
      const tail = this.pending.slice(this.pending.length - n);
      if (this.stops.some((s) => s.startsWith(tail))) {
        hold = n;
        break;
      }
    }
    const text = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return { text, stopped: false };
  }

  /** Text held back at the end of generation (no stop string completed). */
  flush(): string {
    const t = this.pending;
    this.pending = '';
    return t;
  }
}
