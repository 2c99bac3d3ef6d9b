/**
 * Imports a Node built-in (`node:fs/promises`, …) only when called, through a specifier bundlers do not follow, so
 * browser bundles (Vite, esbuild, webpack) neither include nor warn about the Node-only branches of this package.
 */
export function importNode<T>(name: string): Promise<T> {
  const specifier = `node:${name}`;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}
