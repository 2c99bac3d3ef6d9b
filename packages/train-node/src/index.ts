export { UserError } from './errors.js';
export * from './export/index.js';
export * from './train/index.js';
