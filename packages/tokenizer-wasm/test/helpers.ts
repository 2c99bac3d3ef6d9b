import { readFileSync } from 'node:fs';

export const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
export const fixtureText = (name: string) => readFileSync(fixture(name), 'utf8');

export interface ParityItem {
  corpus: string;
  text: string;
  ids: number[];
  decoded: string;
}
export interface Parity {
  generator: string;
  texts: ParityItem[];
  class_runs: [number, number, number][];
}
export const parity = (): Parity => JSON.parse(fixtureText('parity.json'));
