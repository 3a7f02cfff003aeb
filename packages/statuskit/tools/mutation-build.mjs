import { execSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// Stryker compiles the sandbox into .build; compiled here too, the test files it runs exist in the
// workspace, so that its incremental report can tell which of them changed (without them, it
// takes every test as new and tests every mutant again). Run in the workspace whose
// stryker.config.mjs it reads: the library's, or natgw's.
const { default: config } = await import(pathToFileURL(resolve('stryker.config.mjs')).href);
execSync(config.buildCommand, { stdio: 'inherit' });
