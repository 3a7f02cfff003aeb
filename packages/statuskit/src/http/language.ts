import type { Language } from '../catalog/index.js';

/**
 * The catalog language an `Accept-Language` header asks for (RFC 9110 §12.5.4): the highest
 * weighted of `zh` (any region or script) and `en`; English when nothing matches.
 * @example negotiateLanguage('zh-CN,zh;q=0.9,en;q=0.8') // 'zh-CN'
 */
export function negotiateLanguage(header: string | undefined): Language {
  if (!header) return 'en';
  let best: Language = 'en';
  let bestWeight = 0;
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.find((param) => param.trim().startsWith('q='));
    const weight = q ? Number(q.trim().slice(2)) : 1;
    if (!(weight > bestWeight)) continue;
    const lang: Language | undefined =
      range === 'zh' || range.startsWith('zh-')
        ? 'zh-CN'
        : range === 'en' || range.startsWith('en-') || range === '*'
          ? 'en'
          : undefined;
    if (lang) {
      best = lang;
      bestWeight = weight;
    }
  }
  return best;
}
