// The tinyzh web demo: loads the model served next to the page and streams a story into it.
import './style.css';
import { StoryView } from './story-view';
import { DownloadProgress, formatBytes, type ProgressEvent } from './progress';

/** Filled in at build time by vite.config.ts from the model folder it copies into dist/models/. */
declare const __TINYZH_DEMO__: {
  /** model folder URL relative to the page, e.g. "models/tinyzh-stories-tiny/"; null when the build has none */
  modelPath: string | null;
  modelName: string;
  /** story openings from the model folder (generation_config.json `examples` or prompts.json) */
  examples: string[];
};

/** The slice of @tinyzh/runtime-web's API the page uses (see the package README). */
interface Storyteller {
  generate(prompt: string, options: Record<string, unknown>): AsyncIterable<unknown> & { result?: Promise<unknown> };
  dispose(): Promise<void> | void;
  device?: string;
  lastResult?: unknown;
}
type CreateStoryteller = (options: Record<string, unknown>) => Promise<Storyteller>;

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
  ui.generate.disabled = next !== 'ready';
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

/** `?seed=N` makes every generation use seed N (same prompt and settings → same story). */
const fixedSeed = (() => {
  const raw = params.get('seed');
  const n = raw === null ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 && n < 2 ** 32 ? n : undefined;
})();

const deviceParam = params.get('device');
if (deviceParam === 'wasm' || deviceParam === 'webgpu' || deviceParam === 'auto') ui.device.value = deviceParam;

// ---- loading --------------------------------------------------------------------------------------------------

async function load(): Promise<void> {
  const id = ++loadId;
  setState('loading');
  clearError();
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
    const runtime = (await import('@tinyzh/runtime-web')) as { createStoryteller?: CreateStoryteller };
    if (typeof runtime.createStoryteller !== 'function') {
      throw new Error('@tinyzh/runtime-web 没有导出 createStoryteller（运行时还没有构建好）');
    }
    const t = await runtime.createStoryteller({
      model: modelUrl,
      device: ui.device.value,
      onProgress: (e: ProgressEvent) => {
        if (id !== loadId) return;
        const f = progress.update(e);
        if (f !== undefined) {
          ui.progressBar.value = f;
          const { loaded, total } = progress.bytes();
          ui.progressText.textContent = `正在下载模型… ${formatBytes(loaded)} / ${formatBytes(total)}`;
        }
      },
    });
    if (id !== loadId) {
      await t.dispose();
      return;
    }
    teller = t;
    ui.progress.hidden = true;
    ui.stats.textContent = `模型已就绪 · 设备 ${deviceLabel(t.device ?? ui.device.value)}`;
    setState('ready');
  } catch (err) {
    if (id !== loadId) return;
    ui.progress.hidden = true;
    setState('error');
    showError(`模型加载失败：${messageOf(err)}`);
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

interface Stats {
  finishReason?: string;
  tokens?: number;
  tokensPerSecond?: number;
  device?: string;
  truncated?: boolean;
}

/** Reads the statistics the runtime reports at the end of a generation. */
function statsFrom(result: unknown): Stats {
  const r = (result && typeof result === 'object' ? result : {}) as Record<string, any>;
  const s = r.stats && typeof r.stats === 'object' ? { ...r, ...r.stats } : r;
  return {
    finishReason: s.finishReason ?? s.finish_reason,
    tokens: s.tokens ?? s.numTokens ?? s.generatedTokens ?? s.newTokens ?? s.tokenCount,
    tokensPerSecond: s.tokensPerSecond ?? s.tokensPerSec ?? s.decodeTokensPerSecond,
    device: s.device,
    truncated: s.truncated ?? s.slidingWindow ?? s.contextTruncated,
  };
}

const FINISH_LABELS: Record<string, string> = {
  eos: '故事讲完了',
  stop: '遇到停止词',
  length: '到达长度上限',
  max_tokens: '到达长度上限',
  maxNewTokens: '到达长度上限',
  abort: '已停止',
  aborted: '已停止',
};

async function generate(): Promise<void> {
  if (!teller || state !== 'ready') return;
  const prompt = ui.prompt.value.trim();
  if (prompt === '') {
    showError('请先写一个故事开头。');
    return;
  }
  clearError();
  controller = new AbortController();
  const seed = fixedSeed ?? Math.floor(Math.random() * 2 ** 32);
  setState('generating');
  view.reset(prompt);
  ui.stats.textContent = '正在生成…';
  const started = performance.now();
  let chunks = 0;
  let result: unknown;
  let failed = false;
  try {
    const stream = teller.generate(prompt, {
      maxNewTokens: Number(ui.length.value),
      temperature: Number(ui.temperature.value),
      topP: Number(ui.topP.value),
      seed,
      signal: controller.signal,
    });
    const it = stream[Symbol.asyncIterator]();
    for (;;) {
      const step = await it.next();
      if (step.done) {
        result = step.value;
        break;
      }
      const v = step.value as any;
      const text = typeof v === 'string' ? v : typeof v?.text === 'string' ? v.text : '';
      if (text) {
        chunks++;
        view.append(text);
        if (chunks % 8 === 0) {
          const secs = (performance.now() - started) / 1000;
          ui.stats.textContent = `正在生成… ${view.generated.length} 字 · ${(view.generated.length / secs).toFixed(1)} 字/秒`;
        }
      }
    }
    result ??= await (stream.result ?? teller.lastResult);
  } catch (err) {
    const aborted = controller.signal.aborted || (err as Error)?.name === 'AbortError';
    if (!aborted) {
      failed = true;
      showError(`生成失败：${messageOf(err)}`);
      console.error(err);
    }
  }
  const stats = statsFrom(result);
  if (controller.signal.aborted) stats.finishReason ??= 'abort';
  const secs = (performance.now() - started) / 1000;
  const parts: string[] = [];
  if (stats.finishReason) parts.push(FINISH_LABELS[stats.finishReason] ?? stats.finishReason);
  if (stats.tokens !== undefined) parts.push(`${stats.tokens} 个词元`);
  const tps = stats.tokensPerSecond ?? (stats.tokens !== undefined ? stats.tokens / secs : undefined);
  if (tps !== undefined && Number.isFinite(tps)) parts.push(`${tps.toFixed(1)} 词元/秒`);
  parts.push(`设备 ${deviceLabel(stats.device ?? teller.device ?? ui.device.value)}`);
  parts.push(`种子 ${seed}`);
  if (stats.truncated) parts.push('超出上下文窗口：只保留了最近的词元');
  ui.stats.textContent = failed ? '' : parts.join(' · ');
  ui.stats.dataset.finishReason = stats.finishReason ?? '';
  controller = null;
  setState('ready');
}

ui.generate.addEventListener('click', () => void generate());
ui.stop.addEventListener('click', () => controller?.abort());
ui.prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void generate();
});
ui.device.addEventListener('change', () => void load());
window.addEventListener('unhandledrejection', (e) => showError(`出错了：${messageOf(e.reason)}`));

setState('loading');
void load();
