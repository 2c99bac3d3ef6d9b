/**
 * The cleaning report: `report.json` (machine-readable) and `report.md` (a readable summary), both listing
 * for every rule how many stories it removed or changed and a few examples with file and line.
 */
import type { CleanStats } from './clean-stage.js';
import { REMOVAL_RULES } from './clean-stage.js';

/** Why each rule exists, for the readable report. */
const RULE_TEXT: Record<string, string> = {
  empty: 'nothing left after normalisation',
  'min-chars': 'shorter than --min-chars code points',
  'cjk-share': 'CJK ideographs below --min-cjk-share of letters and digits',
  'char-run': 'one character repeated more than --max-char-run times',
  mojibake: 'U+FFFD, private-use characters or mis-decoding signatures',
  'unbalanced-quotes': 'quotes or brackets that do not pair up',
  markup: 'HTML/Markdown/URL/escape leftovers',
  'exact-dup': 'same normalised text as an earlier story',
  'near-dup': 'MinHash LSH candidate of an earlier story',
};

export interface ReportJson {
  format: 'tinyzh-prepare-report';
  version: 1;
  inputs: { path: string; size: number }[];
  options: Record<string, unknown>;
  read: { records: number; skipped: CleanStats['issues']; examples: CleanStats['issueExamples']; notices: string[] };
  changed: CleanStats['changed'];
  removed: CleanStats['removed'];
  kept: CleanStats['kept'];
  seconds: { clean: number };
}

/** Build `report.json`'s content. */
export function buildReport(stats: CleanStats, inputs: { path: string; size: number }[], options: Record<string, unknown>): ReportJson {
  return {
    format: 'tinyzh-prepare-report',
    version: 1,
    inputs,
    options,
    read: { records: stats.records, skipped: stats.issues, examples: stats.issueExamples, notices: stats.notices },
    changed: stats.changed,
    removed: stats.removed,
    kept: stats.kept,
    seconds: { clean: Math.round(stats.seconds * 10) / 10 },
  };
}

function esc(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, '⏎');
}

/** Render the readable summary. */
export function renderReportMarkdown(r: ReportJson): string {
  const pct = (n: number) => (r.read.records > 0 ? `${((100 * n) / r.read.records).toFixed(2)}%` : '–');
  const kept = r.kept.train.documents + r.kept.val.documents;
  const lines: string[] = [
    '# tinyzh prepare: cleaning report',
    '',
    `Inputs: ${r.inputs.map((i) => `\`${i.path}\``).join(', ')}`,
    '',
    `Read ${r.read.records} stories; kept ${kept} (${pct(kept)}): train ${r.kept.train.documents} stories / ${r.kept.train.chars} characters, ` +
      `val ${r.kept.val.documents} stories / ${r.kept.val.chars} characters. Cleaning took ${r.seconds.clean} s.`,
    '',
    '## Records skipped while reading',
    '',
    '| problem | count |',
    '|---|---:|',
    ...Object.entries(r.read.skipped).map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ];
  if (r.read.examples.length > 0) {
    lines.push('First ones (file:line — problem):', '');
    for (const e of r.read.examples) lines.push(`- \`${e.source}:${e.line}\` — ${e.issue}: ${esc(e.detail)}`);
    lines.push('');
  }
  if (r.read.notices.length > 0) {
    lines.push('Notices:', '', ...r.read.notices.map((n) => `- ${n}`), '');
  }
  lines.push('## Removed, by rule (each story is counted by the first rule that removes it)', '', '| rule | why | removed | share |', '|---|---|---:|---:|');
  for (const rule of REMOVAL_RULES) {
    lines.push(`| ${rule} | ${RULE_TEXT[rule] ?? ''} | ${r.removed[rule].count} | ${pct(r.removed[rule].count)} |`);
  }
  lines.push('', '## Changed (kept)', '', '| step | stories changed |', '|---|---:|',
    `| normalisation (NFC, whitespace) | ${r.changed.normalize.count} |`,
    `| Traditional → Simplified | ${r.changed.t2s.count} |`, '', '## Examples', '');
  for (const rule of REMOVAL_RULES) {
    const ex = r.removed[rule].examples;
    if (ex.length === 0) continue;
    lines.push(`### ${rule}`, '');
    for (const e of ex) lines.push(`- \`${e.source}:${e.line}\`: ${esc(e.text)}`);
    lines.push('');
  }
  for (const [name, c] of Object.entries(r.changed)) {
    if (c.examples.length === 0) continue;
    lines.push(`### changed by ${name}`, '');
    for (const e of c.examples) lines.push(`- \`${e.source}:${e.line}\`: ${esc(e.text)}`);
    lines.push('');
  }
  lines.push('## Options', '', '```json', JSON.stringify(r.options, null, 2), '```', '');
  return lines.join('\n');
}
