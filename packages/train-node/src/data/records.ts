/**
 * Input readers: turn the corpus layouts users have into a stream of story texts, with every
 * problem (bad JSON, invalid UTF-8, missing or non-string field) reported with its file and line.
 *
 * Supported layouts:
 * - `TinyStories_all_data_zh.tar.gz` (or any `.tar.gz`/`.tgz`/`.tar`): streamed through `node:zlib` and
 *   `tar-stream`, members `.jsonl`, `.json` (JSON lines), `.jsonl.gz`, `.txt` read one after another,
 *   never extracted to disk and never held whole in memory;
 * - `.jsonl`/`.json` (JSON lines) and `.jsonl.gz`/`.json.gz`;
 * - `.parquet` (read with `hyparquet`, one row group at a time);
 * - `.txt`: stories separated by blank lines;
 * - folders: every supported file below them, in sorted path order.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { UserError } from '../errors.js';
import { decodeUtf8, splitLines } from './lines.js';

/** One story as read from the input. `source` is a path (or `archive.tar.gz:member`), `line` 1-based (a row number for parquet). */
export interface StoryRecord { kind: 'story'; text: string; source: string; line: number }

/** Why a record was skipped while reading. */
export type InputIssueKind = 'malformed-json' | 'invalid-utf8' | 'missing-field' | 'not-a-string' | 'unreadable';

/** A record that could not be read, with where it is. */
export interface InputIssue { kind: 'issue'; issue: InputIssueKind; source: string; line: number; detail: string }

/** Something the user should know that is not an error (e.g. a field fallback). */
export interface InputNotice { kind: 'notice'; message: string }

export type InputEvent = StoryRecord | InputIssue | InputNotice;

/** Field names tried, in order, when the user did not name one with `--field`. */
export const FALLBACK_FIELDS = ['story_zh', 'story', 'text'] as const;

export interface ReadOptions {
  /** JSON/parquet field holding the story; when undefined, `story_zh`, then `story`, then `text` (a notice says which). */
  field?: string;
  /** Incremented with the bytes read from disk (compressed bytes for `.gz`), for progress. */
  onBytes?: (n: number) => void;
}

/** A file to read, with its on-disk size (for progress). */
export interface InputFile { path: string; size: number }

const SUPPORTED = /\.(tar\.gz|tgz|tar|jsonl|json|jsonl\.gz|json\.gz|parquet|txt)$/i;

/**
 * Expand inputs (files or folders) into the list of files to read, folders walked recursively in sorted order.
 * @throws UserError when an input does not exist or is of an unsupported type
 */
export async function listInputFiles(inputs: string[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch {
      throw new UserError(`input '${input}' does not exist`);
    }
    if (st.isDirectory()) {
      const walk = async (dir: string): Promise<void> => {
        const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const e of entries) {
          const p = join(dir, e.name);
          if (e.isDirectory()) await walk(p);
          else if (e.isFile() && SUPPORTED.test(e.name)) out.push({ path: p, size: (await stat(p)).size });
        }
      };
      const before = out.length;
      await walk(input);
      if (out.length === before) throw new UserError(`folder '${input}' holds no .jsonl, .jsonl.gz, .parquet, .txt or .tar.gz files`);
    } else {
      if (!SUPPORTED.test(input)) {
        throw new UserError(`input '${input}': unsupported file type (expected .tar.gz, .jsonl, .jsonl.gz, .parquet or .txt)`);
      }
      out.push({ path: input, size: st.size });
    }
  }
  return out;
}

function countingStream(path: string, onBytes?: (n: number) => void): Readable {
  const s = createReadStream(path, { highWaterMark: 1 << 20 });
  if (onBytes) s.on('data', (c) => onBytes((c as Buffer).length));
  return s;
}

/** Picks the field per file: the user's, or the first of {@link FALLBACK_FIELDS} present in the file's first object. */
class FieldChooser {
  private chosen: string | undefined;
  constructor(private readonly userField: string | undefined, private readonly source: string) {
    this.chosen = userField;
  }
  /** @returns the field name and, the first time a fallback is chosen, a notice */
  pick(obj: Record<string, unknown>): { field: string; notice?: InputNotice } {
    if (this.chosen !== undefined) return { field: this.chosen };
    const found = FALLBACK_FIELDS.find((f) => f in obj);
    if (found === undefined) return { field: FALLBACK_FIELDS[0] };
    this.chosen = found;
    if (found !== FALLBACK_FIELDS[0]) {
      return { field: found, notice: { kind: 'notice', message: `${this.source}: no '${FALLBACK_FIELDS[0]}' field, using '${found}' (name one with --field)` } };
    }
    return { field: found };
  }
  get name(): string { return this.userField ?? this.chosen ?? FALLBACK_FIELDS[0]; }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Turn one decoded JSON value into a story or an issue. */
function fromObject(obj: unknown, chooser: FieldChooser, source: string, line: number): InputEvent[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return [{ kind: 'issue', issue: 'malformed-json', source, line, detail: `expected a JSON object, got ${describe(obj)}` }];
  }
  const rec = obj as Record<string, unknown>;
  const { field, notice } = chooser.pick(rec);
  const events: InputEvent[] = notice ? [notice] : [];
  if (!(field in rec)) {
    events.push({ kind: 'issue', issue: 'missing-field', source, line, detail: `no field '${field}'` });
  } else if (typeof rec[field] !== 'string') {
    events.push({ kind: 'issue', issue: 'not-a-string', source, line, detail: `field '${field}' is ${describe(rec[field])}, expected a string` });
  } else {
    events.push({ kind: 'story', text: rec[field] as string, source, line });
  }
  return events;
}

/** Read JSON lines from a byte stream. Blank lines are ignored. */
export async function* readJsonLines(bytes: AsyncIterable<Uint8Array>, source: string, field?: string): AsyncGenerator<InputEvent> {
  const chooser = new FieldChooser(field, source);
  for await (const { bytes: b, line } of splitLines(bytes)) {
    const text = decodeUtf8(b);
    if (text === undefined) {
      yield { kind: 'issue', issue: 'invalid-utf8', source, line, detail: 'the line is not valid UTF-8' };
      continue;
    }
    if (text.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      yield { kind: 'issue', issue: 'malformed-json', source, line, detail: (e as Error).message.slice(0, 120) };
      continue;
    }
    yield* fromObject(obj, chooser, source, line);
  }
}

/** Read blank-line-separated stories from a byte stream. `line` is the story's first line. */
export async function* readTextStories(bytes: AsyncIterable<Uint8Array>, source: string): AsyncGenerator<InputEvent> {
  let lines: string[] = [];
  let first = 0;
  let bad = false;
  const flush = function* (): Generator<InputEvent> {
    if (lines.length > 0 && !bad) yield { kind: 'story', text: lines.join('\n'), source, line: first };
    lines = [];
    bad = false;
  };
  for await (const { bytes: b, line } of splitLines(bytes)) {
    const text = decodeUtf8(b);
    if (text === undefined) {
      yield { kind: 'issue', issue: 'invalid-utf8', source, line, detail: 'the line is not valid UTF-8' };
      if (lines.length === 0) first = line;
      bad = true;
      lines.push('');
      continue;
    }
    if (text.trim() === '') {
      yield* flush();
      continue;
    }
    if (lines.length === 0) first = line;
    lines.push(text);
  }
  yield* flush();
}

/** Read a parquet file's `field` column one row group at a time. `line` is the 1-based row number. */
export async function* readParquet(path: string, field: string | undefined, onBytes?: (n: number) => void): AsyncGenerator<InputEvent> {
  let file;
  let metadata;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    yield { kind: 'issue', issue: 'unreadable', source: path, line: 0, detail: `not a readable parquet file: ${(e as Error).message}` };
    return;
  }
  const names = new Set(metadata.schema.slice(1).map((s) => s.name));
  let column = field;
  if (column === undefined) {
    column = FALLBACK_FIELDS.find((f) => names.has(f));
    if (column === undefined) {
      yield { kind: 'issue', issue: 'missing-field', source: path, line: 0, detail: `no column '${FALLBACK_FIELDS.join("', '")}' (columns: ${[...names].join(', ')})` };
      return;
    }
    if (column !== FALLBACK_FIELDS[0]) yield { kind: 'notice', message: `${path}: no '${FALLBACK_FIELDS[0]}' column, using '${column}' (name one with --field)` };
  } else if (!names.has(column)) {
    yield { kind: 'issue', issue: 'missing-field', source: path, line: 0, detail: `no column '${column}' (columns: ${[...names].join(', ')})` };
    return;
  }
  let rowStart = 0;
  for (const rg of metadata.row_groups) {
    const rowEnd = rowStart + Number(rg.num_rows);
    const rows = await parquetReadObjects({ file, metadata, columns: [column], rowStart, rowEnd });
    onBytes?.(rg.columns.reduce((s, c) => s + Number(c.meta_data?.total_compressed_size ?? 0), 0));
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i][column];
      const line = rowStart + i + 1;
      if (v === null || v === undefined) yield { kind: 'issue', issue: 'missing-field', source: path, line, detail: `column '${column}' is null` };
      else if (typeof v !== 'string') yield { kind: 'issue', issue: 'not-a-string', source: path, line, detail: `column '${column}' is ${describe(v)}, expected a string` };
      else yield { kind: 'story', text: v, source: path, line };
    }
    rowStart = rowEnd;
  }
}

function kindOf(name: string): 'jsonl' | 'jsonl.gz' | 'txt' | 'tar' | 'tar.gz' | 'parquet' | undefined {
  const n = name.toLowerCase();
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'tar.gz';
  if (n.endsWith('.tar')) return 'tar';
  if (n.endsWith('.jsonl.gz') || n.endsWith('.json.gz')) return 'jsonl.gz';
  if (n.endsWith('.jsonl') || n.endsWith('.json')) return 'jsonl';
  if (n.endsWith('.parquet')) return 'parquet';
  if (n.endsWith('.txt')) return 'txt';
  return undefined;
}

/** Pass a stream's errors to the consumer as an 'unreadable' issue instead of an exception. */
async function* guarded(events: AsyncGenerator<InputEvent>, source: string): AsyncGenerator<InputEvent> {
  try {
    yield* events;
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    yield { kind: 'issue', issue: 'unreadable', source, line: 0, detail: `reading stopped: ${msg}` };
  }
}

async function* readTar(path: string, gz: boolean, field: string | undefined, onBytes?: (n: number) => void): AsyncGenerator<InputEvent> {
  const extract = tarStream.extract();
  const input = countingStream(path, onBytes);
  const fail = (e: Error) => extract.destroy(e);
  input.on('error', fail);
  if (gz) {
    const gunzip = createGunzip();
    gunzip.on('error', fail);
    input.pipe(gunzip).pipe(extract);
  } else {
    input.pipe(extract);
  }
  try {
    for await (const entry of extract) {
      const name = entry.header.name;
      const source = `${path}:${name}`;
      const k = entry.header.type === 'file' ? kindOf(name) : undefined;
      if (k === 'jsonl') yield* readJsonLines(entry as AsyncIterable<Uint8Array>, source, field);
      else if (k === 'jsonl.gz') yield* readJsonLines(entry.pipe(createGunzip()), source, field);
      else if (k === 'txt') yield* readTextStories(entry as AsyncIterable<Uint8Array>, source);
      else {
        if (entry.header.type === 'file') yield { kind: 'notice', message: `${source}: skipped (not .jsonl, .jsonl.gz or .txt)` };
        entry.resume();
      }
    }
  } finally {
    input.destroy();
  }
}

/**
 * Read one input file as a stream of stories, issues and notices. Never throws for bad content:
 * a truncated or corrupt file ends with an `unreadable` issue.
 */
export function readInputFile(file: string, options: ReadOptions = {}): AsyncGenerator<InputEvent> {
  const { field, onBytes } = options;
  const k = kindOf(file);
  switch (k) {
    case 'tar.gz': return guarded(readTar(file, true, field, onBytes), file);
    case 'tar': return guarded(readTar(file, false, field, onBytes), file);
    case 'jsonl': return guarded(readJsonLines(countingStream(file, onBytes), file, field), file);
    case 'jsonl.gz': return guarded(readJsonLines(countingStream(file, onBytes).pipe(createGunzip()), file, field), file);
    case 'txt': return guarded(readTextStories(countingStream(file, onBytes), file), file);
    case 'parquet': return guarded(readParquet(file, field, onBytes), file);
    default: throw new UserError(`input '${file}': unsupported file type`);
  }
}

/** Read every input file in order. */
export async function* readInputs(files: InputFile[], options: ReadOptions = {}): AsyncGenerator<InputEvent> {
  for (const f of files) yield* readInputFile(f.path, options);
}
