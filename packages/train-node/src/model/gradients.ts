/**
 * Registers tfjs's gradient functions (tfjs-core alone registers none).
 *
 * tfjs-core's own `dist/register_all_gradients.js` is ESM with extension-less relative imports, which Node's ESM
 * loader refuses; `@tensorflow/tfjs`'s Node bundle registers the same gradients into tfjs's global gradient
 * registry, which every copy of tfjs-core shares. The import is reached through a function so that bundlers
 * honouring `"sideEffects": false` keep it.
 */
import * as tfjs from '@tensorflow/tfjs';

/** Make sure the gradients are registered (idempotent; the work happens when the module loads). */
export function registerGradients(): string {
  return tfjs.version.tfjs;
}
