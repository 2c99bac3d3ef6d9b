import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

export { UsageError };

/**
 * Run a command's body; a {@link UsageError} is printed as `tinyzh-train: <message>` and becomes exit code 2.
 * Other errors propagate (the CLI prints UserErrors as one line, exit 1).
 */
export async function withUsageExit(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`tinyzh-train: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

const NEGATIVE = /^-(\d|\.\d)/;

/**
 * Join `--flag -1` into `--flag=-1` for flags that take a value, so that negative numbers reach the flag instead of
 * making `parseArgs` stop with "argument is ambiguous". Flags already written `--flag=-1` pass unchanged.
 */
export function joinNegativeValues(argv: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && options[a.slice(2)]?.type === 'string' && next !== undefined && NEGATIVE.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** What `parseArgs` returns for a strict command line with positionals and the flags `T`. */
export type ParsedCommandLine<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>
>;

/**
 * `parseArgs` (strict, positionals allowed) after {@link joinNegativeValues}; unknown or malformed flags become a
 * {@link UsageError} naming the command.
 */
export function parseCommandLine<T extends NonNullable<ParseArgsConfig['options']>>(command: string, argv: string[], options: T): ParsedCommandLine<T> {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals: true });
  } catch (e) {
    // Node's text for an unknown flag suggests '-- "--flag"' for positionals, which reads garbled here.
    const unknown = /^Unknown option '([^']+)'/.exec((e as Error).message);
    const what = unknown ? `unknown option '${unknown[1]}'` : (e as Error).message;
    throw new UsageError(`${command}: ${what} (see 'tinyzh-train ${command} --help')`);
  }
}

/** {@link parseCommandLine} for commands that take no positional arguments: returns the flag values. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(command: string, argv: string[], options: T): ParsedCommandLine<T>['values'] {
  const { values, positionals } = parseCommandLine(command, argv, options);
  if (positionals.length > 0) {
    throw new UsageError(`${command}: unexpected argument '${positionals[0]}' (see 'tinyzh-train ${command} --help')`);
  }
  return values;
}

/**
 * Parse a numeric flag; `integer` also requires a safe integer; `min`/`max` bound it (inclusive).
 * @throws UsageError naming the flag
 */
export function num(flag: string, v: string | undefined, def: number, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
  if (v === undefined) return def;
  const n = Number(v.replace(/_/g, ''));
  if (v.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isSafeInteger(n))) throw new UsageError(`--${flag} must be ${opts.integer ? 'an integer' : 'a number'}, got '${v}'`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${flag} must be ≥ ${opts.min}, got ${v}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`--${flag} must be ≤ ${opts.max}, got ${v}`);
  return n;
}
