import { UserError } from '../errors.js';

/** `tinyzh-train eval` — not implemented yet. */
export async function run(_argv: string[]): Promise<number> {
  throw new UserError('the eval command is not implemented yet');
}
