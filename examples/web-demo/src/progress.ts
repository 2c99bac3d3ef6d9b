// Sums the runtime's per-file download progress events into one fraction for a progress bar.
import type { LoadProgress } from '@tinyzh/runtime-web';

/** Accumulates bytes done / total per file. */
export class DownloadProgress {
  private readonly files = new Map<string, { loaded: number; total: number }>();

  /** Records one event; returns the overall fraction in [0, 1], or undefined when totals are unknown. */
  update(e: LoadProgress): number | undefined {
    if (e.total > 0) this.files.set(e.file, { loaded: Math.min(e.loaded, e.total), total: e.total });
    return this.fraction();
  }

  fraction(): number | undefined {
    let loaded = 0;
    let total = 0;
    for (const f of this.files.values()) {
      loaded += f.loaded;
      total += f.total;
    }
    return total > 0 ? loaded / total : undefined;
  }

  /** Bytes done and total over all files seen. */
  bytes(): { loaded: number; total: number } {
    let loaded = 0;
    let total = 0;
    for (const f of this.files.values()) {
      loaded += f.loaded;
      total += f.total;
    }
    return { loaded, total };
  }
}

/** "1.2 MB" */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
