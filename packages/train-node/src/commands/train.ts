import { UserError } from '../errors.js';

/** `tinyzh-train train` — not implemented yet. */
export async function run(_argv: string[]): Promise<number> {
  throw new UserError('the train command is not implemented yet');
}
