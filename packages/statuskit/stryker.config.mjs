import { fileURLToPath } from 'node:url';

/**
 * Mutation testing (`npm run mutate`) of the modules whose rules are pure and whose tests are
 * fast. Stryker's tap runner runs each test file in a node process of its own and records which
 * files reach each mutant, so a mutant runs only the test files that cover it.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: [
    'src/catalog/fallbacks.ts',
    'src/catalog/profile.ts',
    'src/errors/*.ts',
    'src/dialects/*.ts',
    'src/http/*.ts',
    'src/gateway/failures.ts',
    'src/gateway/headers.ts',
    'src/gateway/rewrite.ts',
    'src/gateway/proxy-auth.ts',
    'src/gateway/upstreams.ts',
    'src/client/retry.ts',
    'src/client/errors.ts',
    'src/fastify/accept.ts',
    'src/fastify/methods.ts',
    '!src/**/*.test.ts',
  ],
  // The sandbox is compiled once (no type check: the mutants are not type-correct), so each test
  // process is plain node, without a TypeScript loader to start every time.
  buildCommand:
    'tsc -p tsconfig.json --noCheck --noEmit false --outDir .build --declaration false --sourceMap false',
  testRunner: 'tap',
  tap: {
    testFiles: [
      'src/catalog/catalog.test.ts',
      'src/errors/errors.test.ts',
      'src/errors/contract-error.test.ts',
      'src/errors/messages.test.ts',
      'src/errors/prepared.test.ts',
      'src/dialects/dialects.test.ts',
      'src/http/http.test.ts',
      'src/gateway/rules.test.ts',
      'src/gateway/upstreams.test.ts',
      'src/gateway/relayed-headers.test.ts',
      'src/gateway/proxy-auth.test.ts',
      'src/client/retry.test.ts',
      'src/client/errors.test.ts',
      'src/client/own-errors.test.ts',
      'src/fastify/accept.test.ts',
      'src/fastify/methods.test.ts',
    ].map((file) => `.build/${file.replace(/\.ts$/, '.js')}`),
  },
  coverageAnalysis: 'perTest',
  // A run tests again only the mutants whose code or covering tests changed since the last one
  // (kept in reports/); `npm run mutate -- --force` tests them all.
  incremental: true,
  // Only what the tests above load is copied into the sandbox.
  ignorePatterns: ['/dist', '/out', '/reports', '*.md'],
  reporters: ['clear-text', 'html', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  timeoutMS: 10_000,
};

// The compiled catalog generator looks for the pages beside itself (.build/seeds): give it these.
process.env.STATUSKIT_SEEDS ??= fileURLToPath(new URL('./seeds/', import.meta.url));
