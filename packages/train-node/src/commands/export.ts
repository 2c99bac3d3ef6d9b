import { UserError } from '../errors.js';

/** `tinyzh-train export` — not implemented yet. */
export async function run(_argv: string[]): Promise<number> {
  throw new UserError('the export command is not implemented yet');
}
