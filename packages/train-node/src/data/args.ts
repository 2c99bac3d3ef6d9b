/** Helpers for `node:util` `parseArgs` values: numbers with clear errors. */
import { UserError } from '../errors.js';

/**
 * Parse a numeric flag.
 * @throws UserError naming the flag when the value is not a number in range
 */
export function numberFlag(name: string, value: string | undefined, fallback: number, o: { int?: boolean; min?: number; max?: number } = {}): number {
  if (value === undefined) return fallback;
  const v = Number(value.replace(/_/g, ''));
  if (!Number.isFinite(v) || (o.int && !Number.isInteger(v)) || (o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max)) {
    const range = `${o.min ?? '-∞'}..${o.max ?? '∞'}`;
    throw new UserError(`--${name}: expected ${o.int ? 'an integer' : 'a number'} in ${range}, got '${value}'`);
  }
  return v;
}
