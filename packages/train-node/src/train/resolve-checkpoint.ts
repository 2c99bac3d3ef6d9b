import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { listStepCheckpoints, readBestPointer } from './checkpoint.js';

/**
 * Accepts a checkpoint folder (holding model.safetensors), a run folder (`--out` of train: uses
 * `checkpoints/best.json`, else the newest step) or a run's `checkpoints/` folder.
 * @throws UserError when nothing usable is found
 */
export function resolveCheckpoint(path: string, prefer: 'best' | 'last' = 'best'): string {
  if (existsSync(join(path, 'model.safetensors'))) return path;
  for (const dir of [join(path, 'checkpoints'), path]) {
    const steps = listStepCheckpoints(dir);
    if (steps.length === 0) continue;
    const best = readBestPointer(dir);
    if (prefer === 'best' && best && existsSync(join(dir, best.path, 'model.safetensors'))) return join(dir, best.path);
    return steps.at(-1)!.path;
  }
  throw new UserError(`${path}: not a checkpoint (no model.safetensors) and no checkpoints/step-* folder below it`);
}
