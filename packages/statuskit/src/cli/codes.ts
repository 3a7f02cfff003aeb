import { profileNames } from '../catalog/index.js';
import { languageArg, parse, profileArg } from './args.js';

export const codesHelp = `Usage: statuskit codes [--profile P] [--lang en|zh-CN] [--json]

Prints a profile's status codes, in the order of the page it comes from.

Options:
  --profile P   ${profileNames.join(', ')} (default: nat)
  --lang L      en or zh-CN (default: en)
  --json        one JSON array, one object per row
  -h, --help    this text

Example:
  statuskit codes --profile dcaas --json`;

/** The rows of a profile as the CLI prints them: the page's texts in the asked language. */
export function codeRows(profileName?: string, langName?: string) {
  const profile = profileArg(profileName);
  const lang = languageArg(langName);
  return profile.rows.map((row) => {
    const text = profile.text(row.code, lang);
    return {
      code: row.code,
      phrase: text.phrase,
      description: text.description,
      kind: row.kind,
      class: row.class,
      ...(row.methods ? { methods: row.methods } : {}),
      ...(text.lang === lang ? {} : { lang: text.lang }),
      ...(text.from === undefined ? {} : { from: text.from }),
    };
  });
}

export function codes(args: string[]): string {
  const { values } = parse(args, {
    profile: { type: 'string' },
    lang: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return codesHelp;
  const rows = codeRows(values.profile, values.lang);
  if (values.json) return JSON.stringify(rows, null, 2);
  const width = Math.max(...rows.map((row) => row.phrase.length));
  return rows
    .map(
      (row) =>
        `${row.code}  ${row.phrase.padEnd(width)}  ${row.kind === 'error' ? 'error ' : 'normal'}  ${row.description}`,
    )
    .join('\n');
}
