/*
 * Mutation testing of natgw's rules (`npm run mutate -w natgw`): request validation and paging,
 * the two forms of the paths, address and CIDR rules (the overlap behind rule conflicts), the
 * subnet addresses a gateway may take, error codes and their messages, the login lockout and
 * token revocations (on an SQLite database in memory). Like the library's run: the sandbox is
 * compiled once by tsc, each test file runs in a node process of its own, and a mutant runs only
 * the test files that reach it. natgw is compiled without the `source` condition, so it loads
 * the library from `packages/statuskit/dist` (the `mutate` script builds it first).
 */

// Not error-codes.test.ts: it rebuilds the table from the reference pages, which it finds beside
// the sources, not beside the compiled tools; error-rules.test.ts tests natError.
const testFiles = [
  'test/validate.test.ts',
  'test/paging.test.ts',
  'test/forms.test.ts',
  'test/ip.test.ts',
  'test/error-rules.test.ts',
  'test/lockout-rules.test.ts',
  'test/revocations.test.ts',
];

// The test files and what they import, compiled once into .build; no type check: the mutants
// are not type-correct. No tsconfig: natgw's is the repository's, which resolves the library
// through its sources and reaches outside natgw.
const compile = [
  'tsc --noCheck --target ES2022 --module NodeNext --moduleResolution NodeNext --lib ES2023',
  '--types node --resolveJsonModule --verbatimModuleSyntax --skipLibCheck --rootDir . --outDir .build',
].join(' ');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'src/validate.ts',
    'src/resources/paging.ts',
    'src/forms.ts',
    'src/snat/ip.ts',
    'src/network/addresses.ts',
    'src/errors.ts',
    'src/identity/lockout.ts',
    'src/identity/revocations.ts',
  ],
  buildCommand: `${compile} ${testFiles.join(' ')}`,
  testRunner: 'tap',
  tap: { testFiles: testFiles.map((file) => `.build/${file.replace(/\.ts$/, '.js')}`) },
  coverageAnalysis: 'perTest',
  // A run tests again only the mutants whose code or covering tests changed since the last one
  // (kept in reports/); `npm run mutate -- --force` tests them all.
  incremental: true,
  // Not .build: the test files compiled there are how the incremental report knows them.
  ignorePatterns: ['/reports', '/examples', '/reference', '*.md'],
  reporters: ['clear-text', 'html', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  timeoutMS: 10_000,
};
