#!/usr/bin/env node
// Trains the small tokenizer used by the tests (test/fixtures/tokenizer.json) with our trainBpe on every corpus in
// ../shared/data. Run after `npx tsup`: node scripts/make-fixture-tokenizer.mjs
import { writeFileSync, renameSync } from 'node:fs';
import { trainBpe } from '../dist/index.js';
import { loadCorpora } from './corpora.mjs';

const corpora = loadCorpora();
const texts = Object.values(corpora).flat();
const tok = await trainBpe(texts, { vocabSize: 3000, minFrequency: 2, characterCoverage: 0.9995 });
const path = new URL('../test/fixtures/tokenizer.json', import.meta.url).pathname;
writeFileSync(path + '.tmp', tok.toJSON());
renameSync(path + '.tmp', path);
console.error(`wrote ${path}: ${tok.vocabSize} tokens from ${texts.length} texts`);
