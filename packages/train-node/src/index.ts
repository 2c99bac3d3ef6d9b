export { UserError } from './errors.js';
export { prepare, PREPARE_DEFAULTS } from './data/prepare.js';
export * from './export/index.js';
export * from './train/index.js';
