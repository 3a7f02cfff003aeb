import { execSync } from 'node:child_process';
import config from '../stryker.config.mjs';

// Stryker compiles the sandbox into .build; compiled here too, the test files it runs exist in the
// workspace, so that its incremental report can tell which of them changed (without them, it
// takes every test as new and tests every mutant again).
execSync(config.buildCommand, { cwd: new URL('..', import.meta.url), stdio: 'inherit' });
