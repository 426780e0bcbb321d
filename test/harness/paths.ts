// Where things are: the repository, the compiled tend, the test fixtures,
// and the Bun that runs the tests (it also runs the TypeScript fixtures).
// TEND_UNDER_TEST=PATH runs the tests against another tend executable (a
// deliberately broken build, to see a test fail).

import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
export const TEND = resolve(process.env.TEND_UNDER_TEST || join(ROOT, "dist/tend"));
export const FIXTURES = join(ROOT, "test/fixtures/programs");
export const BUN = process.execPath;
