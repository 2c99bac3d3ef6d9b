import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.js';

/** `parseArgs` with strict checking; unknown or malformed flags become a {@link UserError} naming the command. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UserError(`${command}: ${(e as Error).message} (see 'tinyzh-train ${command} --help')`);
  }
}

/** Parse a numeric flag; `integer` also requires a safe integer. @throws UserError naming the flag */
export function num(flag: string, v: string | undefined, def: number, opts: { integer?: boolean; min?: number } = {}): number {
  if (v === undefined) return def;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n) || (opts.integer && !Number.isSafeInteger(n))) throw new UserError(`--${flag} must be ${opts.integer ? 'an integer' : 'a number'}, got '${v}'`);
  if (opts.min !== undefined && n < opts.min) throw new UserError(`--${flag} must be ≥ ${opts.min}, got ${v}`);
  return n;
}
