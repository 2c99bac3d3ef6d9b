// Sums per-file download progress events of the runtime into one fraction for a progress bar.

/** One progress event as the runtime reports it (field names vary; all optional). */
export interface ProgressEvent {
  file?: string;
  url?: string;
  loaded?: number;
  bytesDone?: number;
  total?: number;
  bytesTotal?: number;
  status?: string;
}

/** Accumulates bytes done / total per file. */
export class DownloadProgress {
  private readonly files = new Map<string, { loaded: number; total: number }>();

  /** Records one event; returns the overall fraction in [0, 1], or undefined when totals are unknown. */
  update(e: ProgressEvent): number | undefined {
    const key = e.file ?? e.url ?? 'model';
    const loaded = e.loaded ?? e.bytesDone;
    const total = e.total ?? e.bytesTotal;
    if (typeof loaded === 'number' && typeof total === 'number' && total > 0) {
      this.files.set(key, { loaded: Math.min(loaded, total), total });
    }
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
