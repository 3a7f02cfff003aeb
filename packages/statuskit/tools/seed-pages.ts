/**
 * Reads a "Status Codes" page as received (HTML tables in Markdown, or reStructuredText grid
 * tables) into its rows. Used to build the catalog and, in tests, to hold the catalog and the
 * rendered docs to the pages word for word.
 */

export interface PageRow {
  code: number;
  phrase: string;
  description: string;
}

export interface PageTable {
  /** The header cells, as the page spells them. */
  header: string[];
  rows: PageRow[];
}

export interface Page {
  title: string;
  anchor: string;
  tables: PageTable[];
}

/** Parses a page in either format; the format is recognised from the text. */
export function parsePage(text: string): Page {
  return text.includes('<table') ? parseHtmlPage(text) : parseRstPage(text);
}

function cellText(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A row's cells become code, phrase and description. Pages write either
 * `200 | OK | description` or `400 Bad Request | description`.
 */
function toRow(cells: string[]): PageRow {
  const [first = '', second = '', third = ''] = cells;
  const match = /^(\d{3})\s*(.*)$/.exec(first);
  if (!match) throw new Error(`row does not start with a status code: ${cells.join(' | ')}`);
  const code = Number(match[1]);
  return match[2]
    ? { code, phrase: match[2], description: second }
    : { code, phrase: second, description: third };
}

function parseHtmlPage(text: string): Page {
  const heading = /^#\s*(.*?)<a name="([^"]+)"><\/a>/m.exec(text);
  const tables = [...text.matchAll(/<table[\s\S]*?<\/table>/g)].map(([table]) => {
    const rows = [...table.matchAll(/<tr[\s\S]*?<\/tr>/g)].map(([row]) =>
      [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => cellText(cell[1] ?? '')),
    );
    const [header = [], ...body] = rows;
    return { header, rows: body.map(toRow) };
  });
  return { title: heading?.[1]?.trim() ?? '', anchor: heading?.[2] ?? '', tables };
}

function parseRstPage(text: string): Page {
  const lines = text.split('\n');
  const anchor = /^\.\. _([^:]+):/m.exec(text)?.[1] ?? '';
  const underline = lines.findIndex(
    (line, i) => i > 0 && /^=+$/.test(line) && (lines[i - 1] ?? '').trim() !== '',
  );
  const title = underline > 0 ? (lines[underline - 1] ?? '').trim() : '';

  const tables: PageTable[] = [];
  let current: string[][] | undefined;
  let pending: string[] | undefined;
  let header: string[] | undefined;
  for (const line of lines) {
    if (line.startsWith('+')) {
      // A border ends the row above it; `+===+` ends the header.
      current ??= [];
      if (pending) current.push(pending);
      pending = undefined;
      if (line.startsWith('+=')) header = current.pop();
    } else if (line.startsWith('|') && current) {
      const cells = line
        .slice(1, line.lastIndexOf('|'))
        .split('|')
        .map((cell) => cell.trim());
      pending = pending ? pending.map((cell, i) => [cell, cells[i] ?? ''].join(' ').trim()) : cells;
    } else if (current) {
      tables.push({ header: header ?? [], rows: current.map(toRow) });
      current = undefined;
      header = undefined;
    }
  }
  if (current) tables.push({ header: header ?? [], rows: current.map(toRow) });
  return { title, anchor, tables };
}
