import { UserError } from '../errors.js';

/** `tinyzh-train import-hf` — not implemented yet. */
export async function run(_argv: string[]): Promise<number> {
  throw new UserError('the import-hf command is not implemented yet');
}
