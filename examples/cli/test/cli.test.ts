import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pickTestModel, repoRoot } from './model-folder';

const bin = fileURLToPath(new URL('../bin/tinyzh.mjs', import.meta.url));

function tinyzh(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const hasStack = (s: string) => /\n\s+at .+:\d+:\d+/.test(s);

describe('tinyzh story: command-line errors', () => {
  it.each([
    [['story', '--bogus'], /Unknown option '--bogus'/],
    [['story', '--temperature', 'hot'], /--temperature must be a number/],
    [['story', '--top-p', '1.5'], /--top-p must be a number in \[0, 1\]/],
    [['story', '--max-new-tokens', '0'], /--max-new-tokens must be an integer/],
    [['story', '--seed', '1.5'], /--seed must be an integer/],
    [['story', '--device', 'tpu'], /--device must be one of auto, cpu, wasm, webgpu/],
    // A negative number after a space reaches the range check, as `--flag=-5` does (not parseArgs' "ambiguous").
    [['story', '--max-new-tokens', '-5', '从前'], /--max-new-tokens must be an integer in \[1, 100000\], got "-5"/],
    [['story', '--max-new-tokens=-5', '从前'], /--max-new-tokens must be an integer in \[1, 100000\], got "-5"/],
    [['story', '--temperature', '-1'], /--temperature must be a number in \[0, 100\], got "-1"/],
    [['story', '--top-k', '-3'], /--top-k must be an integer >= 0, got "-3"/],
    [['story', '--seed', '-1'], /--seed must be an integer in \[0, 4294967295\], got "-1"/],
    [['story', 'a', 'b'], /at most one prompt/],
    [['tell'], /unknown command "tell"/],
  ])('%j → one-line error, exit 2', (args, message) => {
    const r = tinyzh(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')[0]).toMatch(/^tinyzh: error: /);
    expect(hasStack(r.stderr)).toBe(false);
  });

  it('missing model folder → one-line error naming it, exit 1', () => {
    const r = tinyzh(['story', '从前', '--model', '/no/such/model']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('tinyzh: error: model folder not found: /no/such/model');
  });

  it('a folder that is not a model → says so', () => {
    const here = fileURLToPath(new URL('.', import.meta.url));
    const r = tinyzh(['story', '从前', '--model', here]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a tinyzh model folder/);
    expect(hasStack(r.stderr)).toBe(false);
  });

  it('--help prints the options', () => {
    const r = tinyzh(['story', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--max-new-tokens/);
    expect(r.stdout).toMatch(/--device/);
  });
});

const { model, skip: skipReason } = await pickTestModel();
if (skipReason) console.warn(`[cli.test] skipping generation tests: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('tinyzh story: generation', () => {
  const common = ['--model', model!, '--max-new-tokens', '40', '--device', 'wasm'];

  it('`-` reads the prompt from stdin', () => {
    const r = spawnSync(process.execPath, [bin, 'story', '-', '--seed', '3', ...common], { encoding: 'utf8', timeout: 120_000, input: '从前，有一只小鸭子\n' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.startsWith('从前，有一只小鸭子')).toBe(true);
    expect(r.stdout.startsWith('从前，有一只小鸭子\n')).toBe(false); // the trailing line break of the input is dropped
    const same = tinyzh(['story', '从前，有一只小鸭子', '--seed', '3', ...common]);
    expect(r.stdout).toBe(same.stdout);
  });

  it('same seed → same story, streamed after the prompt, stats on stderr', () => {
    const a = tinyzh(['story', '从前，有一只小猫', '--seed', '7', '--temperature', '0.9', ...common]);
    const b = tinyzh(['story', '从前，有一只小猫', '--seed', '7', '--temperature', '0.9', ...common]);
    expect(a.stderr).not.toMatch(/error/);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout.startsWith('从前，有一只小猫')).toBe(true);
    expect(a.stdout.length).toBeGreaterThan('从前，有一只小猫'.length + 1);
    expect(b.stdout).toBe(a.stdout);
    expect(a.stderr).toMatch(/finish: \w+/);
    expect(a.stderr).toMatch(/tokens\/s/);
    expect(a.stderr).toMatch(/seed 7/);
  });

  it('no prompt → starts from an opening that the model folder lists', () => {
    const gen = JSON.parse(readFileSync(join(model!, 'generation_config.json'), 'utf8'));
    let folder = model!;
    let openings: string[] = Array.isArray(gen.examples) ? gen.examples : [];
    if (openings.length === 0) {
      // A model without examples: list one in prompts.json (not in the manifest, so the model still verifies).
      folder = mkdtempSync(join(tmpdir(), 'tinyzh-cli-'));
      cpSync(model!, folder, { recursive: true });
      openings = ['小猫咪找妈妈'];
      writeFileSync(join(folder, 'prompts.json'), JSON.stringify(openings));
    }
    const args = ['story', '--seed', '3', ...common.map((a) => (a === model ? folder : a))];
    const r = tinyzh(args);
    if (folder !== model) rmSync(folder, { recursive: true, force: true });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(openings.some((o) => r.stdout.startsWith(o))).toBe(true);
  });

  it('`npm run story` at the repo root runs the same command (README)', () => {
    const args = ['从前', '--seed', '5', ...common.slice(0, 2), '--max-new-tokens', '20', '--device', 'wasm', '-q'];
    const direct = tinyzh(['story', ...args]);
    const viaNpm = spawnSync('npm', ['run', '-s', 'story', '--', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(viaNpm.status).toBe(0);
    expect(direct.code).toBe(0);
    expect(viaNpm.stdout).toBe(direct.stdout);
  });

  it('SIGINT while the model loads quits at once: exit 130, no story, no stack', async () => {
    const child = spawn(process.execPath, [bin, 'story', '从前', ...common], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    setTimeout(() => child.kill('SIGINT'), 300); // the default model takes over a second to load here
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(code).toBe(130);
    expect(hasStack(stderr)).toBe(false);
    // Loading takes over a second here; on a much faster machine the story may have started: then it was aborted.
    if (stdout !== '') expect(stderr).toMatch(/finish: abort/);
  });

  it('SIGINT stops cleanly: text so far printed, finish: abort, exit 130', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'story', '从前', '--seed', '1', '--temperature', '1', ...common, '--max-new-tokens', '5000'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      // The prompt is printed before the model loads: wait for generated text.
      if (!sent && stdout.length > '从前'.length + 3) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(sent).toBe(true);
    if (/finish: (eos|stop)/.test(stderr)) return; // the story ended before the signal arrived
    expect(code).toBe(130);
    expect(stderr).toMatch(/finish: abort/);
    expect(hasStack(stderr)).toBe(false);
    expect(stdout.startsWith('从前')).toBe(true);
    expect(stderr).toMatch(/finish: abort · [1-9]\d* tokens/);
  });
});
