import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCatalog, profilePages, readSeed } from '../../tools/catalog.js';
import { catalog } from './codes.js';
import {
  defineProfile,
  getProfile,
  isLanguage,
  languages,
  type ProfileName,
  profileNames,
  type Row,
} from './profile.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
export type ProfileNamesAreThePages = Expect<Equal<ProfileName, keyof typeof profilePages>>;

function pageRows(prefix: string) {
  return readSeed(prefix).tables.flatMap((table) => table.rows);
}

describe('catalog', () => {
  test('is exactly what the generator builds from the seed pages today', () => {
    assert.deepEqual(buildCatalog(), JSON.parse(JSON.stringify(catalog)));
  });

  for (const name of profileNames) {
    const files = profilePages[name];
    for (const [lang, prefix] of Object.entries(files) as [keyof typeof files, string][]) {
      test(`holds every row of page ${prefix} word for word under profile ${name} in ${lang}`, () => {
        const profile = getProfile(name);
        const rows = profile.rows.map((row) => {
          const text = row.texts[lang] ?? assert.fail(`row ${row.code} has no ${lang} text`);
          return { code: row.code, phrase: text.phrase, description: text.description };
        });
        assert.deepEqual(rows, pageRows(prefix));
      });
    }
  }

  test('has the number of rows each page has', () => {
    assert.deepEqual(
      profileNames.map((name) => [name, getProfile(name).rows.length]),
      [
        ['nat', 17],
        ['bms', 18],
        ['dcaas', 17],
        ['basic', 10],
      ],
    );
  });

  test('keeps the spelling of each page, such as Internal Error and Server Unavailable on page 003', () => {
    const basic = getProfile('basic');
    assert.equal(basic.text(500).phrase, 'Internal Error');
    assert.equal(basic.text(503).phrase, 'Server Unavailable');
    assert.equal(getProfile('dcaas').text(504).description, 'A gateway timed out.');
  });

  test('marks each row normal or error, with its class', () => {
    const nat = getProfile('nat');
    assert.deepEqual(
      nat.normal.map((row) => row.code),
      [200, 201, 204],
    );
    assert.equal(nat.errors.length, 14);
    assert.equal(nat.row(404)?.class, 'client-error');
    assert.equal(nat.row(503)?.class, 'server-error');
    assert.equal(nat.row(204)?.class, 'success');
    assert.equal(getProfile('basic').row(409)?.kind, 'error');
  });

  test('knows which methods a normal code answers where the page says so', () => {
    const methods = (row: Row | undefined) => row?.methods;
    const nat = getProfile('nat');
    assert.deepEqual(methods(nat.row(200)), ['GET', 'PUT']);
    assert.deepEqual(methods(nat.row(201)), ['POST']);
    assert.deepEqual(methods(nat.row(204)), ['DELETE']);
    assert.equal(methods(getProfile('bms').row(200)), undefined);
    assert.equal(getProfile('bms').row(202)?.delayed, true);
  });

  test("borrows nat's Chinese texts for pages without their own, and says so", () => {
    const text = getProfile('bms').text(404, 'zh-CN');
    assert.equal(text.description, '服务器无法找到被请求的页面。');
    assert.equal(text.from, 'nat');
    assert.equal(getProfile('nat').text(404, 'zh-CN').from, undefined);
    assert.equal(getProfile('bms').pages['zh-CN']?.from, 'nat');
  });

  test('borrows only where the page says what nat says, in its words or in other words', () => {
    const basic = getProfile('basic');
    // "The request has succeeded." is not "the normal answer to GET and PUT" (GET和PUT操作正常返回。).
    assert.deepEqual(
      { ...basic.text(200, 'zh-CN') },
      { phrase: 'OK', description: 'The request has succeeded.', lang: 'en' },
    );
    // "Incorrect parameter" is not "the server failed to process the request" (服务器未能处理请求。).
    assert.equal(basic.text(400, 'zh-CN').description, 'Incorrect parameter');
    assert.equal(basic.text(400, 'zh-CN').lang, 'en');
    assert.equal(basic.text(404, 'zh-CN').description, '服务器无法找到被请求的页面。');
    // dcaas words nat's statements differently; bms's 200 says something else.
    assert.equal(getProfile('dcaas').text(200, 'zh-CN').description, 'GET和PUT操作正常返回。');
    assert.equal(getProfile('bms').text(200, 'zh-CN').lang, 'en');
    for (const name of profileNames) {
      for (const row of getProfile(name).rows) {
        const borrowed = row.texts['zh-CN'];
        if (borrowed?.from === undefined) continue;
        const nat = getProfile('nat').row(row.code)?.texts;
        assert.equal(borrowed.description, nat?.['zh-CN']?.description, `${name} ${row.code}`);
      }
    }
  });

  test('knows its two languages', () => {
    assert.deepEqual(languages, ['en', 'zh-CN']);
    assert.equal(isLanguage('en'), true);
    assert.equal(isLanguage('zh-CN'), true);
    assert.equal(isLanguage('zh'), false);
    assert.equal(isLanguage(''), false);
  });

  test('keeps each text once per code and language, never one for another', () => {
    const nat = getProfile('nat');
    // A profile of its own, so that no other test has filled its texts yet.
    const fresh = defineProfile({ name: 'nat-texts', rows: nat.rows, pages: nat.pages });
    const asked: [number, 'en' | 'zh-CN' | undefined][] = [
      [403, 'en'],
      [401, 'zh-CN'],
      [404, undefined],
      [404, 'zh-CN'],
      [405, 'en'],
      [403, 'zh-CN'],
    ];
    for (const [code, lang] of asked) {
      const expected = nat.row(code)?.texts[lang ?? 'en'];
      assert.equal(fresh.text(code, lang).description, expected?.description, `${code} ${lang}`);
    }
    assert.equal(fresh.text(404), fresh.text(404), 'made once');
    assert.equal(fresh.text(404).lang, 'en');
  });

  test('falls back to English where no page has a Chinese text for the code', () => {
    const text = getProfile('bms').text(202, 'zh-CN');
    assert.equal(text.lang, 'en');
    assert.equal(text.description, 'The request has been accepted, but the processing has been delayed.');
  });
});

describe('fallbacks', () => {
  for (const name of profileNames) {
    test(`send every code from 100 to 599 to a code of profile ${name}`, () => {
      const profile = getProfile(name);
      for (let code = 100; code < 600; code++)
        assert.ok(profile.has(profile.resolve(code)), `${code} → ${profile.resolve(code)}`);
    });
  }

  test('send codes outside 100 to 599, and numbers that are no code, to 500', () => {
    const nat = getProfile('nat');
    for (const code of [-1, 0, 99, 600, 1_000, 404.5, Number.NaN])
      assert.equal(nat.resolve(code), 500, String(code));
    assert.equal(nat.resolve(599), 500);
  });

  test('map the codes the design names to their documented fallback', () => {
    const nat = getProfile('nat');
    assert.deepEqual(
      [413, 415, 431, 429, 410, 412].map((code) => nat.resolve(code)),
      [400, 400, 400, 503, 404, 409],
    );
  });

  test('leave a code of the profile as it is', () => {
    const nat = getProfile('nat');
    for (const row of nat.rows) assert.equal(nat.resolve(row.code), row.code);
  });

  test('send 502 and 504 to 503 in the basic profile, which a client retries, not to 500', () => {
    const basic = getProfile('basic');
    assert.equal(basic.resolve(502), 503);
    assert.equal(basic.resolve(504), 503);
  });

  test('follow a chain when the first fallback is not in the profile either', () => {
    const basic = getProfile('basic');
    assert.equal(basic.resolve(405), 404);
    assert.equal(basic.resolve(502), 503);
    assert.equal(basic.resolve(201), 200);
    assert.equal(basic.resolve(418), 400);
    assert.equal(basic.resolve(302), 500);
  });

  test('give every code outside each profile a reason, in lower case without a full stop', () => {
    for (const name of profileNames)
      for (const fallback of getProfile(name).fallbacks())
        assert.match(fallback.why, /^[a-z][^.]*[a-z]$/, `${name}: ${fallback.from}`);
  });

  test('list each code outside the profile with its reason', () => {
    const fallbacks = getProfile('nat').fallbacks();
    assert.equal(fallbacks.length, 500 - 17);
    assert.deepEqual(
      fallbacks.find((fallback) => fallback.from === 429),
      {
        from: 429,
        to: 503,
        why: 'too many requests: the service is unavailable to this caller for now',
      },
    );
  });
});

describe('defineProfile', () => {
  const row = (code: number, kind: 'normal' | 'error', phrase: string): Row => ({
    code,
    kind,
    class: code < 300 ? 'success' : code < 500 ? 'client-error' : 'server-error',
    texts: { en: { phrase, description: `${phrase}.` } },
  });
  const pages = {
    en: {
      title: 'Codes',
      anchor: 'codes',
      seed: 'mine',
      normalHeader: ['Code', 'Description'],
      errorHeader: ['Code', 'Description'],
    },
  };

  test('adds a profile of your own, with the fallbacks made total', () => {
    const profile = defineProfile({
      name: 'tiny',
      pages,
      rows: [row(200, 'normal', 'OK'), row(400, 'error', 'Bad Request'), row(500, 'error', 'Oops')],
    });
    assert.equal(getProfile('tiny'), profile);
    assert.equal(profile.resolve(404), 400);
    assert.equal(profile.resolve(503), 500);
    assert.equal(profile.text(504).phrase, 'Oops');
  });

  test('refuses a profile without the codes every fallback needs', () => {
    assert.throws(
      () => defineProfile({ name: 'holed', pages, rows: [row(200, 'normal', 'OK')] }),
      /lacks 400/,
    );
  });

  test('refuses to redefine a profile', () => {
    assert.throws(() => defineProfile({ name: 'nat', pages, rows: [] }), /already defined/);
  });

  test('names the known profiles when asked for an unknown one', () => {
    assert.throws(() => getProfile('nope'), /unknown profile "nope" \(known: nat, bms, dcaas, basic/);
  });
});
