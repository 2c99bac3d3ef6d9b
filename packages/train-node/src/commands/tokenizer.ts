import { UserError } from '../errors.js';

/** `tinyzh-train tokenizer` — not implemented yet. */
export async function run(_argv: string[]): Promise<number> {
  throw new UserError('the tokenizer command is not implemented yet');
}
