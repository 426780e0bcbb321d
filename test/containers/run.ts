// The container suite: tend's image and the examples' images built and run
// in a real container engine (Debian's podman), checked as a user would.
//
//   bun test/containers/run.ts [--only TEXT]... [--clean]
//
// --only runs the checks whose name contains TEXT (tend's image is always
// built, an example's only for its checks);
// --clean removes every image the suite made, base images included, and exits.
// When podman cannot build or start a container, the suite says so and
// fails: it never passes by skipping. It removes the containers it started,
// even after a failure; it keeps its images, which are its cache.

import { type Check, needing, type Outcome, once, runChecks } from "./checks.ts";
import { FROM_SUPERVISORD_CHECKS } from "./from-supervisord-checks.ts";
import {
  buildFromSupervisord,
  buildFromSupervisordBefore,
  buildMultiProgram,
  buildTend,
  IMAGE,
  makeDebian,
  makeDerivedImages,
  pruneStaleImages,
  removeAllImages,
} from "./images.ts";
import { MANIFEST_CHECKS } from "./manifest-checks.ts";
import { MULTI_PROGRAM_CHECKS } from "./multi-program-checks.ts";
import { PID1_CHECKS } from "./pid1-checks.ts";
import { podman, removeContainers, runToEnd } from "./podman.ts";

const started = performance.now();

function elapsed(): string {
  const seconds = Math.round((performance.now() - started) / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function abort(message: string): never {
  console.error(`\ncontainer suite: CANNOT RUN: ${message}`);
  console.error("container suite: FAILED (nothing was checked)");
  console.error(`container suite: total time ${elapsed()}`);
  process.exit(1);
}

function option(name: string): string[] {
  const values: string[] = [];
  process.argv.forEach((arg, i) => {
    if (arg === name && process.argv[i + 1] !== undefined)
      values.push(process.argv[i + 1] as string);
  });
  return values;
}

/** Removes everything of ours on Ctrl-C, or when CI stops the job, too. */
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    console.error(`\n${signal}: removing the suite's containers`);
    removeContainers().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });

async function preflight(): Promise<void> {
  const version = await podman(["--version"]).catch((error: Error) => ({
    code: 127,
    stdout: "",
    stderr: error.message,
  }));
  if (version.code !== 0)
    abort(
      `podman is not installed or does not run (${version.stderr.trim()}); apt-get install podman runc`,
    );
  console.log(`${version.stdout.trim()}; making the base images`);
  await makeDebian();
  const hello = await runToEnd(IMAGE.debian, ["true"], { tag: "preflight" });
  if (hello.code !== 0)
    abort(`podman cannot start a container (exit ${hello.code}): ${hello.stderr.trim()}`);
  await makeDerivedImages();
}

async function main(): Promise<number> {
  if (process.argv.includes("--clean")) {
    await removeAllImages();
    console.log("removed the suite's images");
    return 0;
  }
  try {
    await preflight();
    console.log("building tend's image from the Dockerfile");
    await buildTend();
  } catch (error) {
    abort(error instanceof Error ? error.message : String(error));
  }

  const only = option("--only");
  // Example images are built when a check first needs one, once.
  const multiProgram = once(buildMultiProgram);
  const fromSupervisord = once(async () => {
    await buildFromSupervisord();
    await buildFromSupervisordBefore();
  });
  const checks: Check[] = [
    ...PID1_CHECKS,
    ...needing(multiProgram, MULTI_PROGRAM_CHECKS),
    ...needing(fromSupervisord, FROM_SUPERVISORD_CHECKS),
    // tend check runs in the multi-program image, with the manifests' variables.
    ...needing(multiProgram, MANIFEST_CHECKS),
  ];
  const selected = checks.filter(
    (check) => only.length === 0 || only.some((text) => check.name.includes(text)),
  );
  if (selected.length === 0) abort(`no check matches ${only.join(", ")}`);
  console.log(`running ${selected.length} checks`);
  let outcomes: Outcome[] = [];
  try {
    outcomes = await runChecks(selected);
  } finally {
    await removeContainers();
    await pruneStaleImages();
  }
  const failed = outcomes.filter((outcome) => !outcome.ok);
  console.log(
    `\ncontainer suite: ${outcomes.length - failed.length} of ${outcomes.length} checks passed` +
      (failed.length > 0 ? `; FAILED: ${failed.map((outcome) => outcome.name).join("; ")}` : ""),
  );
  console.log(`container suite: total time ${elapsed()}`);
  return failed.length > 0 ? 1 : 0;
}

process.exit(await main());
