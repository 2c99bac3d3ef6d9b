import { UserError } from '../errors.js';

/** `tinyzh-train sample` — not implemented yet. */
export async function run(_argv: string[]): Promise<number> {
  throw new UserError('the sample command is not implemented yet');
}
