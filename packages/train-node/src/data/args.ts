/** Helpers for `node:util` `parseArgs` values: numbers with clear errors. */
import { UsageError } from '../commands/args.js';

/**
 * Parse a numeric flag.
 * @throws UsageError naming the flag when the value is not a number in range (the commands exit 2)
 */
export function numberFlag(name: string, value: string | undefined, fallback: number, o: { int?: boolean; min?: number; max?: number } = {}): number {
  if (value === undefined) return fallback;
  const v = Number(value.replace(/_/g, ''));
  if (value.trim() === '' || !Number.isFinite(v) || (o.int && !Number.isInteger(v)) || (o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max)) {
    const range = `${o.min ?? '-∞'}..${o.max ?? '∞'}`;
    throw new UsageError(`--${name}: expected ${o.int ? 'an integer' : 'a number'} in ${range}, got '${value}'`);
  }
  return v;
}
