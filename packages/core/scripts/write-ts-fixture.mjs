// Writes test/fixtures/ts-written.safetensors with @tinyzh/core's writer (dist/, run `npx tsup` first) from
// test/fixtures/values.json. Called by make-fixtures.py, which then loads the file with Python's safetensors.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSafetensors, fromFloat32 } from '../dist/index.js';
import { tensorsFromValues } from '../test/fixtures/tensors-from-values.mjs';

const fix = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures');
const values = JSON.parse(readFileSync(join(fix, 'values.json'), 'utf8'));
const bytes = writeSafetensors(tensorsFromValues(values, fromFloat32), values.metadata);
writeFileSync(join(fix, 'ts-written.safetensors.tmp'), bytes);
renameSync(join(fix, 'ts-written.safetensors.tmp'), join(fix, 'ts-written.safetensors'));
console.log(`wrote ts-written.safetensors (${bytes.length} bytes)`);

// config.json of every preset, for make-fixtures.py to load with transformers' LlamaForCausalLM
import { PRESETS, toHfConfigJson } from '../dist/index.js';
const configs = Object.fromEntries(Object.entries(PRESETS).map(([name, c]) => [name, toHfConfigJson(c)]));
writeFileSync(join(fix, 'ts-configs.json.tmp'), JSON.stringify(configs, null, 1) + '\n');
renameSync(join(fix, 'ts-configs.json.tmp'), join(fix, 'ts-configs.json'));
console.log(`wrote ts-configs.json (${Object.keys(configs).join(', ')})`);
