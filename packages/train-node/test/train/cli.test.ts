import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
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
/** A training run long enough to be interrupted (logs every step). */
const longRun = (out: string) => ['train', '--data', data, '--out', out, '--config', configFile, '--block-size', '16', '--batch-size', '2',
  '--max-steps', '100000', '--eval-every', '100000', '--sample-tokens', '0', '--workers', '1', '--backend', 'wasm', '--log-every', '1'];
/** Runs the CLI; `onStdout(all stdout so far, child)` may interrupt it. */
async function spawnCli(args: string[], onStdout: (stdout: string, child: ChildProcessWithoutNullStreams) => void) {
  const child = spawn(process.execPath, [cli, ...args]);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  child.stdout.on('data', (d) => {
    stdout += String(d);
    onStdout(stdout, child);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

describe.skipIf(!built)('tinyzh-train train/eval/sample (built CLI)', () => {
  it('prints help and rejects bad flags without a stack trace', () => {
    const h = node(['train', '--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/--max-steps N/);
    const bad = node(['train', '--data', data]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--out <run dir> is required/);
    const unk = node(['train', '--bogus']);
    expect(unk.stderr).toMatch(/train: unknown option '--bogus' \(see 'tinyzh-train train --help'\)/);
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
    const args = longRun(out);
    const { code, stdout } = await spawnCli(args, (text, child) => {
      if (/step 3\//.test(text) && !child.killed) child.kill('SIGINT');
    });
    expect(code).toBe(130);
    expect(stdout).toMatch(/stopped at step \d+; checkpoint/);
    const steps = readdirSync(join(out, 'checkpoints')).filter((d) => d.startsWith('step-'));
    expect(steps).toHaveLength(1);
    const r = node([...args.slice(0, args.indexOf('--max-steps')), '--max-steps', String(Number(steps[0]!.slice(5)) + 2), ...args.slice(args.indexOf('--max-steps') + 2), '--resume']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/resumed from .*step-/);
  });

  it('refuses an --out that holds a run (without --resume), a too short validation split before step 1, and a --resume past --max-steps', () => {
    const out = tmp();
    const base = ['--config', configFile, '--block-size', '16', '--batch-size', '2', '--eval-every', '2', '--eval-tokens', '64', '--sample-tokens', '0', '--workers', '1', '--backend', 'wasm'];
    expect(node(['train', '--data', data, '--out', out, ...base, '--max-steps', '2']).status).toBe(0);
    const again = node(['train', '--data', data, '--out', out, ...base, '--max-steps', '2']);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already holds a run .*step-00000002.*add --resume/);
    const past = node(['train', '--data', data, '--out', out, ...base, '--max-steps', '1', '--resume']);
    expect(past.status).toBe(2);
    expect(past.stderr).toMatch(/--resume: .* is at step 2, already at or past --max-steps 1/);
    // 10 validation tokens < block size + 1: refused before any step, nothing written
    const shortVal = makePreparedDir({ trainTokens: 2000, valTokens: 10, seed: 5 });
    const out2 = tmp();
    const r = node(['train', '--data', shortVal, '--out', out2, ...base, '--max-steps', '1000']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the validation split has fewer than 17 tokens/);
    expect(r.stdout).not.toMatch(/step \d+\//);
    expect(existsSync(join(out2, 'checkpoints'))).toBe(false);
  });

  it('a closed stdout (`| head`) saves a checkpoint and stops, without a stack trace', async () => {
    const out = tmp();
    const { code, stderr } = await spawnCli(longRun(out), (text, child) => {
      if (/step 2\//.test(text)) child.stdout.destroy(); // what `head` does after its lines
    });
    expect(stderr).toMatch(/stdout closed \(EPIPE\): saving a checkpoint/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(130);
    expect(readdirSync(join(out, 'checkpoints')).filter((d) => d.startsWith('step-'))).toHaveLength(1);
  });

  it('refuses another tokenizer, restores the run settings on --resume, accepts negative numbers, exits 2 on usage errors', () => {
    const out = tmp();
    const other = makePreparedDir({ vocab: 80, trainTokens: 2000, valTokens: 500, seed: 3 });
    const base = ['--config', configFile, '--eval-every', '2', '--eval-tokens', '64', '--sample-tokens', '0', '--workers', '1', '--backend', 'wasm'];
    const r = node(['train', '--data', data, '--out', out, ...base, '--block-size', '16', '--batch-size', '2', '--max-steps', '2', '--lr', '0.002', '--seed=-1']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const e = node(['eval', '--checkpoint', out, '--data', other, '--backend', 'wasm']);
    expect(e.status).toBe(1);
    expect(e.stderr).toMatch(/eval: .* was tokenized with another tokenizer .*--tokenizer .*tokenizer\.json/);
    expect(e.stderr.trim().split('\n')).toHaveLength(1);
    const init = node(['train', '--data', other, '--out', tmp(), '--init', out, '--max-steps', '1', '--backend', 'wasm']);
    expect(init.status).toBe(1);
    expect(init.stderr).toMatch(/--init: .* another tokenizer/);
    // --resume without the run's flags: block size, batch size, lr and seed come from trainer_state.json
    const res = node(['train', '--data', data, '--out', out, '--resume', '--max-steps', '4', '--sample-tokens', '0', '--workers', '1', '--backend', 'wasm']);
    expect(res.status).toBe(0);
    expect(res.stdout).not.toMatch(/warning/);
    expect(res.stdout).toMatch(/batch 2 × 16 tokens/);
    expect(res.stdout).toMatch(/done: 4 steps/);
    const explicit = node(['train', '--data', data, '--out', out, '--resume', '--max-steps', '5', '--lr', '0.001', '--sample-tokens', '0', '--workers', '1', '--backend', 'wasm']);
    expect(explicit.status).toBe(0);
    expect(explicit.stdout).toMatch(/warning: lr was 0\.002 in the checkpoint, now 0\.001/);
    for (const [args, msg] of [
      [['train', '--data', data, '--out', tmp(), '--workers', '-1'], /--workers must be ≥ 1, got -1/],
      [['train', '--data', data], /--out <run dir> is required/],
      [['eval', '--bogus'], /unknown option '--bogus'/],
      [['sample', '--checkpoint', out, '--seed', 'x'], /--seed must be an integer/],
    ] as const) {
      const u = node([...args]);
      expect(u.status, u.stderr).toBe(2);
      expect(u.stderr).toMatch(msg);
      expect(u.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
