/**
 * Traditional → Simplified Chinese conversion with OpenCC's dictionaries (`opencc-js`, `t` → `cn`:
 * character and phrase tables of Open Chinese Convert, https://github.com/BYVoid/OpenCC).
 */
import * as OpenCC from 'opencc-js/t2cn';

let converter: ((s: string) => string) | undefined;

/** Convert Traditional Chinese characters and phrases to Simplified (mainland) forms. */
export function toSimplified(text: string): string {
  converter ??= OpenCC.Converter({ from: 't', to: 'cn' });
  return converter(text);
}
