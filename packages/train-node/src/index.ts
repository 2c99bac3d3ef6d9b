export { UserError } from './errors.js';
export * from './export/index.js';
