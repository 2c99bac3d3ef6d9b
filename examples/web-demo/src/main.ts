// The tinyzh web demo: loads the model served next to the page and streams a story into it.
import './style.css';
import { StoryView } from './story-view';
import type { GenerationResult, LoadProgress, Storyteller } from '@tinyzh/runtime-web';
import { DownloadProgress, formatBytes } from './progress';

/** Filled in at build time by the tinyzh-model Vite plugin (model-plugin.ts) from the model folder it publishes. */
declare const __TINYZH_DEMO__: {
  /** model folder URL relative to the page, e.g. "models/tinyzh-stories-tiny/"; null when the build has none */
  modelPath: string | null;
  modelName: string;
  /** story openings from the model folder (generation_config.json `examples` or prompts.json) */
  examples: string[];
  /** slider defaults from the model folder's generation_config.json, when it sets them */
  sampling: { temperature?: number; topP?: number; maxNewTokens?: number };
};

const FALLBACK_EXAMPLES = ['从前，有一只小兔子', '有一天，小明在公园里', '森林里住着一只小熊'];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  prompt: $<HTMLTextAreaElement>('prompt'),
  examples: $<HTMLDivElement>('examples'),
  temperature: $<HTMLInputElement>('temperature'),
  temperatureValue: $<HTMLOutputElement>('temperature-value'),
  topP: $<HTMLInputElement>('top-p'),
  topPValue: $<HTMLOutputElement>('top-p-value'),
  length: $<HTMLInputElement>('length'),
  lengthValue: $<HTMLOutputElement>('length-value'),
  device: $<HTMLSelectElement>('device'),
  generate: $<HTMLButtonElement>('generate'),
  stop: $<HTMLButtonElement>('stop'),
  progress: $<HTMLDivElement>('progress'),
  progressText: $<HTMLSpanElement>('progress-text'),
  progressBar: $<HTMLProgressElement>('progress-bar'),
  error: $<HTMLParagraphElement>('error'),
  story: $<HTMLElement>('story'),
  stats: $<HTMLParagraphElement>('stats'),
  modelName: $<HTMLElement>('model-name'),
};
const view = new StoryView(ui.story);

type State = 'loading' | 'ready' | 'generating' | 'error';
let state: State = 'loading';
let teller: Storyteller | null = null;
let controller: AbortController | null = null;
let loadId = 0;

function setState(next: State): void {
  state = next;
  document.body.dataset.state = next;
  // After a failed load, the main button offers to load the model again.
  ui.generate.disabled = next !== 'ready' && next !== 'error';
  ui.generate.textContent = next === 'error' ? '重新加载模型' : '讲故事';
  ui.stop.disabled = next !== 'generating';
  ui.device.disabled = next === 'generating' || next === 'loading';
  ui.story.dataset.streaming = String(next === 'generating');
}

function showError(message: string): void {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

function clearError(): void {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

/** A one-line, user-facing message for any thrown value. */
function messageOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] || '未知错误';
}

const params = new URLSearchParams(location.search);
const modelUrl = (() => {
  const fromQuery = params.get('model');
  if (fromQuery) return new URL(fromQuery, location.href).href;
  return __TINYZH_DEMO__.modelPath ? new URL(__TINYZH_DEMO__.modelPath, location.href).href : null;
})();

// ---- controls -------------------------------------------------------------------------------------------------

/** Sets a slider's starting value, clamped to its range and snapped to its step. */
function initSlider(input: HTMLInputElement, value: number | undefined): void {
  if (value === undefined) return;
  input.value = String(value); // the browser clamps and snaps
}
initSlider(ui.temperature, __TINYZH_DEMO__.sampling.temperature);
initSlider(ui.topP, __TINYZH_DEMO__.sampling.topP);
initSlider(ui.length, __TINYZH_DEMO__.sampling.maxNewTokens);

function bindSlider(input: HTMLInputElement, out: HTMLOutputElement, format: (v: number) => string): void {
  const sync = () => {
    out.textContent = format(Number(input.value));
  };
  input.addEventListener('input', sync);
  sync();
}
bindSlider(ui.temperature, ui.temperatureValue, (v) => v.toFixed(2));
bindSlider(ui.topP, ui.topPValue, (v) => v.toFixed(2));
bindSlider(ui.length, ui.lengthValue, (v) => String(v));

const examples = __TINYZH_DEMO__.examples.length > 0 ? __TINYZH_DEMO__.examples : FALLBACK_EXAMPLES;
for (const text of examples.slice(0, 6)) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.addEventListener('click', () => {
    ui.prompt.value = text;
    ui.prompt.focus();
  });
  ui.examples.append(b);
}
if (examples[0]) ui.prompt.value = examples[0];
ui.modelName.textContent = __TINYZH_DEMO__.modelName;
// The note about the synthetic corpus is about the default model; another model gets its name only.
if (__TINYZH_DEMO__.modelName !== 'tinyzh-stories-tiny' || params.has('model')) {
  $<HTMLElement>('default-model-note').hidden = true;
  $<HTMLElement>('other-model-name').textContent = params.get('model') ?? __TINYZH_DEMO__.modelName;
  $<HTMLElement>('other-model-note').hidden = false;
}

/** `?seed=N` makes every generation use seed N (same prompt and settings → same story). */
const fixedSeed = (() => {
  const raw = params.get('seed');
  const n = raw === null ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 && n < 2 ** 32 ? n : undefined;
})();

/** `?dtype=fp32|fp16|q8` picks the ONNX file of the model folder (default: the runtime's, fp32). */
const dtypeParam = params.get('dtype');
const dtype = dtypeParam === 'fp32' || dtypeParam === 'fp16' || dtypeParam === 'q8' ? dtypeParam : undefined;

const deviceParam = params.get('device');
if (deviceParam === 'wasm' || deviceParam === 'webgpu' || deviceParam === 'auto') ui.device.value = deviceParam;

// ---- loading --------------------------------------------------------------------------------------------------

async function load(): Promise<void> {
  const id = ++loadId;
  setState('loading');
  clearError();
  ui.stats.textContent = ''; // no "ready" line from a storyteller that is about to be disposed
  const old = teller;
  teller = null;
  await old?.dispose();

  if (!modelUrl) {
    setState('error');
    showError('这个构建没有附带模型：构建时找不到模型文件夹（设置 TINYZH_DEMO_MODEL，或在网址后加 ?model=模型文件夹的网址）。');
    return;
  }
  const progress = new DownloadProgress();
  ui.progress.hidden = false;
  ui.progressBar.removeAttribute('value'); // indeterminate until sizes are known
  ui.progressText.textContent = '正在下载模型…';
  try {
    const { createStoryteller } = await import('@tinyzh/runtime-web');
    const t = await createStoryteller({
      model: modelUrl,
      device: ui.device.value as 'auto' | 'webgpu' | 'wasm',
      ...(dtype ? { dtype } : {}),
      onProgress: (e: LoadProgress) => {
        if (id !== loadId) return;
        const f = progress.update(e);
        if (f !== undefined) {
          ui.progressBar.value = f;
          const { loaded, total } = progress.bytes();
          // Once every file is in, the runtime still starts ORT (and, on "auto", times WebGPU against WASM).
          ui.progressText.textContent =
            f >= 1 && e.status === 'done'
              ? `模型已下载（${formatBytes(total)}），正在初始化…`
              : `正在下载模型… ${formatBytes(loaded)} / ${formatBytes(total)}`;
        }
      },
    });
    if (id !== loadId) {
      await t.dispose();
      return;
    }
    teller = t;
    ui.progress.hidden = true;
    ui.stats.textContent = `模型已就绪 · 设备 ${deviceLabel(t.device)}`;
    setState('ready');
  } catch (err) {
    if (id !== loadId) return;
    ui.progress.hidden = true;
    setState('error');
    showError(`模型加载失败：${messageOf(err)}${ui.device.value === 'auto' ? '' : '（可以在“设备”里换一个再试）'}`);
    console.error(err);
  }
}

function deviceLabel(device: string): string {
  const d = device.toLowerCase();
  if (d.includes('webgpu')) return 'WebGPU';
  if (d.includes('wasm') || d.includes('cpu')) return 'WASM';
  return device;
}

// ---- generation -----------------------------------------------------------------------------------------------

/** What the page says for each `finishReason` of the runtime. */
const FINISH_LABELS: Record<GenerationResult['finishReason'], string> = {
  eos: '故事讲完了',
  length: '到达长度上限',
  stop: '遇到停止词',
  abort: '已停止',
};

async function generate(): Promise<void> {
  if (!teller || state !== 'ready') return;
  const prompt = ui.prompt.value.trim();
  if (prompt === '') {
    showError('请先写一个故事开头。');
    return;
  }
  clearError();
  const ac = new AbortController();
  controller = ac;
  const seed = fixedSeed ?? Math.floor(Math.random() * 2 ** 32);
  setState('generating');
  view.reset(prompt);
  ui.stats.textContent = '正在生成…';
  const started = performance.now();
  let pieces = 0;
  let result: GenerationResult | undefined;
  try {
    const stream = teller.generate(prompt, {
      maxNewTokens: Number(ui.length.value),
      temperature: Number(ui.temperature.value),
      topP: Number(ui.topP.value),
      seed,
      signal: ac.signal,
    });
    for await (const text of stream) {
      view.append(text);
      if (++pieces % 8 === 0) {
        const secs = (performance.now() - started) / 1000;
        ui.stats.textContent = `正在生成… ${view.generated.length} 字 · ${(view.generated.length / secs).toFixed(1)} 字/秒`;
      }
    }
    result = await stream.result;
  } catch (err) {
    showError(`生成失败：${messageOf(err)}`);
    console.error(err);
  }
  ui.stats.textContent = result ? describeResult(result, seed) : '';
  ui.stats.dataset.finishReason = result?.finishReason ?? '';
  controller = null;
  setState('ready');
}

/** "故事讲完了 · 187 个词元 · 95.3 词元/秒 · 设备 WASM · 种子 42" */
function describeResult(r: GenerationResult, seed: number): string {
  const parts = [FINISH_LABELS[r.finishReason] ?? r.finishReason, `${r.tokens} 个词元`];
  if (Number.isFinite(r.tokensPerSecond) && r.tokensPerSecond > 0) parts.push(`${r.tokensPerSecond.toFixed(1)} 词元/秒`);
  parts.push(`设备 ${deviceLabel(r.device)}`, `种子 ${seed}`);
  if (r.truncated) parts.push('超出上下文窗口：只保留了最近的词元');
  return parts.join(' · ');
}

ui.generate.addEventListener('click', () => void (state === 'error' ? load() : generate()));
ui.stop.addEventListener('click', () => controller?.abort());
ui.prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void generate();
});
ui.device.addEventListener('change', () => void load());
window.addEventListener('unhandledrejection', (e) => showError(`出错了：${messageOf(e.reason)}`));

setState('loading');
void load();
