import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePreparedDir, microConfig } from '../helpers/prepared.js';

// These run the built CLI (turbo builds before testing; run `npx tsup` first when calling vitest directly).
const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const built = existsSync(cli);
const data = makePreparedDir({ trainTokens: 8000, valTokens: 1000 });
const tmp = () => mkdtempSync(join(tmpdir(), 'tinyzh-cli-'));
const configFile = join(tmp(), 'micro.json');
writeFileSync(configFile, JSON.stringify({ ...microConfig(), vocab_size: undefined }));
const node = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

describe.skipIf(!built)('tinyzh-train train/eval/sample (built CLI)', () => {
  it('prints help and rejects bad flags without a stack trace', () => {
    const h = node(['train', '--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/--max-steps N/);
    const bad = node(['train', '--data', data]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--out <run dir> is required/);
    const unk = node(['train', '--bogus']);
    expect(unk.stderr).toMatch(/Unknown option '--bogus'/);
    expect(unk.stderr).not.toMatch(/\n\s+at /);
    const preset = node(['train', '--data', data, '--out', tmp(), '--preset', 'huge']);
    expect(preset.stderr).toMatch(/--preset must be one of tiny, small/);
    const nodata = node(['train', '--data', join(data, 'nope'), '--out', tmp()]);
    expect(nodata.stderr).toMatch(/index\.json: not found/);
  });

  it('trains with 2 worker threads, then evaluates and samples the checkpoint', () => {
    const out = tmp();
    const r = node(['train', '--data', data, '--out', out, '--config', configFile, '--block-size', '16', '--batch-size', '4', '--max-steps', '4',
      '--eval-every', '4', '--eval-tokens', '128', '--sample-tokens', '4', '--workers', '2', '--backend', 'wasm', '--log-every', '2']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/2 threads/);
    expect(r.stdout).toMatch(/done: 4 steps/);
    const e = node(['eval', '--checkpoint', out, '--data', data, '--json', '--backend', 'wasm', '--block-size', '16', '--eval-tokens', '128']);
    expect(e.status).toBe(0);
    const j = JSON.parse(e.stdout.trim().split('\n').pop()!);
    expect(j.loss).toBeGreaterThan(0);
    expect(j.checkpoint).toMatch(/step-00000004$/);
    const s = node(['sample', '--checkpoint', out, '--prompt', '', '--max-new-tokens', '5', '--backend', 'wasm', '--temperature', '0']);
    expect(s.status).toBe(0);
    expect(s.stdout.length).toBeGreaterThan(0);
  });

  it('saves a checkpoint on SIGINT and resumes', async () => {
    const out = tmp();
    const args = ['train', '--data', data, '--out', out, '--config', configFile, '--block-size', '16', '--batch-size', '2', '--max-steps', '100000',
      '--eval-every', '100000', '--sample-tokens', '0', '--workers', '1', '--backend', 'wasm', '--log-every', '1'];
    const child = spawn(process.execPath, [cli, ...args]);
    let stdout = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += String(d);
        if (/step 3\//.test(stdout) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(130);
    expect(stdout).toMatch(/stopped at step \d+; checkpoint/);
    const steps = readdirSync(join(out, 'checkpoints')).filter((d) => d.startsWith('step-'));
    expect(steps).toHaveLength(1);
    const r = node([...args.slice(0, args.indexOf('--max-steps')), '--max-steps', String(Number(steps[0]!.slice(5)) + 2), ...args.slice(args.indexOf('--max-steps') + 2), '--resume']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/resumed from .*step-/);
  });
});
