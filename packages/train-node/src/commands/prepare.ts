import { UserError } from '../errors.js';

/** `tinyzh-train prepare` — not implemented yet. */
export async function run(_argv: string[]): Promise<number> {
  throw new UserError('the prepare command is not implemented yet');
}
