import type { Language } from '../catalog/index.js';

/** One message in each language it is written in. */
export type Messages = { readonly [L in Language]?: string };

/** A message's templates, `{name}` marking a value: English always, the other languages where written. */
export type MessageTemplates = { readonly en: string } & Messages;

/** The `{name}` placeholders of a template, as a union of names. */
type Placeholders<T extends string> = T extends `${string}{${infer Name}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never;

/** A compiled message: the values in, the message in every language out. */
export type MessageOf<T extends MessageTemplates> = [Placeholders<T['en']>] extends [never]
  ? () => Messages
  : (values: { readonly [K in Placeholders<T['en']>]: string | number }) => Messages;

/**
 * Compiles a table of message templates once, at start-up: each entry becomes a function that
 * fills in its values for every language. A language a template lacks is left out of the
 * answer, which then falls back to English (and says so in `Content-Language`).
 * @example
 * const messages = defineMessages({ gone: { en: 'Item {id} is gone.', 'zh-CN': '条目 {id} 已不存在。' } });
 * throw new NotFoundError(messages.gone({ id }));
 */
export function defineMessages<const Table extends Readonly<Record<string, MessageTemplates>>>(
  table: Table,
): { readonly [K in keyof Table]: MessageOf<Table[K]> } {
  const compiled: Record<string, (values?: Record<string, string | number>) => Messages> = {};
  for (const [key, templates] of Object.entries(table)) {
    // A message without values is made once, here: the request path only hands it out.
    if (Object.values(templates).every((template) => placeholdersOf(template).length === 0)) {
      const fixed = Object.freeze({ ...templates });
      compiled[key] = () => fixed;
      continue;
    }
    const fills = Object.entries(templates).map(([lang, template]) => [lang, compile(template)] as const);
    compiled[key] = (values = {}) => {
      const messages: Record<string, string> = {};
      for (const [lang, fill] of fills) messages[lang] = fill(values);
      return messages;
    };
  }
  return compiled as { readonly [K in keyof Table]: MessageOf<Table[K]> };
}

/** A template split once into its literal parts and the names between them. */
function compile(template: string): (values: Record<string, string | number>) => string {
  // A template without placeholders is one part: the loop below adds nothing to it.
  const parts = template.split(/\{(\w+)\}/);
  return (values) => {
    let out = parts[0] as string;
    for (let index = 1; index < parts.length; index += 2)
      out += String(values[parts[index] as string] ?? '') + (parts[index + 1] as string);
    return out;
  };
}

/** The `{name}` placeholders a template uses, for checks that every language fills the same ones. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string).sort();
}

/**
 * The message to send for a request in `lang`: in that language where it is written, else in
 * English, else in whatever language it has, with the language it is really in.
 * @example messageIn({ en: 'Gone.', 'zh-CN': '已不存在。' }, 'zh-CN') // { text: '已不存在。', lang: 'zh-CN' }
 */
export function messageIn(messages: Messages, lang: Language): { text: string; lang: Language } | undefined {
  const own = messages[lang];
  if (own) return { text: own, lang };
  if (messages.en) return { text: messages.en, lang: 'en' };
  for (const [other, text] of Object.entries(messages) as [Language, string | undefined][])
    if (text) return { text, lang: other };
  return undefined;
}
