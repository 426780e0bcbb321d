// The images the suite runs. No registry is reachable from these machines, so
// the base images are made here: Debian bookworm by debootstrap (kept in
// podman's storage between runs: made once per machine, about a minute), and
// from it the stand-ins for node:20-bookworm-slim and python:3.12-slim
// (Debian's packages, built with podman's layer cache, so only the first run
// pays for apt). Then tend's image from the project's Dockerfile and the
// examples' images from theirs, with their base images as build arguments.

import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { exec, podman, RUNTIME_FLAGS, SUITE_LABEL } from "./podman.ts";

export const ROOT = resolve(import.meta.dir, "../..");
export const EXAMPLES = join(ROOT, "examples");

export const IMAGE = {
  debian: "localhost/tend-test/debian:bookworm",
  node: "localhost/tend-test/node:bookworm",
  python: "localhost/tend-test/python:bookworm",
  /** The build stage of tend's Dockerfile, tagged so its npm ci layer stays cached. */
  tendBuild: "localhost/tend-test/tend-build:latest",
  tend: "localhost/tend-test/tend:latest",
  multiProgram: "localhost/tend-test/multi-program:latest",
  fromSupervisord: "localhost/tend-test/from-supervisord:latest",
  fromSupervisordBefore: "localhost/tend-test/from-supervisord-before:latest",
} as const;

/** Where the machine keeps its CA bundle: the node image trusts it too (proxies). */
const MACHINE_CA = "/etc/ssl/certs/ca-certificates.crt";

function say(message: string): void {
  console.log(`  ${message}`);
}

function tail(text: string, lines = 25): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

export interface Build {
  readonly tag: string;
  readonly context: string;
  readonly file?: string;
  readonly args?: Record<string, string>;
  readonly target?: string;
}

/** `podman build` with the suite's runtime flags; throws with the build's last lines. */
export async function build(spec: Build): Promise<void> {
  const args = [
    "build",
    ...RUNTIME_FLAGS,
    // RUN steps reach Debian's mirrors and the npm registry through the host's network.
    "--network",
    "host",
    "--label",
    SUITE_LABEL,
    // Docker's image format: the OCI one has no HEALTHCHECK, and podman drops it.
    "--format",
    "docker",
    "--tag",
    spec.tag,
  ];
  for (const [key, value] of Object.entries(spec.args ?? {}))
    args.push("--build-arg", `${key}=${value}`);
  if (spec.file !== undefined) args.push("--file", spec.file);
  if (spec.target !== undefined) args.push("--target", spec.target);
  const result = await podman([...args, spec.context], 900_000);
  if (result.code !== 0)
    throw new Error(`podman build of ${spec.tag} failed:\n${tail(result.stdout + result.stderr)}`);
  say(`built ${spec.tag} in ${(result.ms / 1000).toFixed(1)} s`);
}

/** Exit 1 is "no such image"; anything else but 0 is podman failing. */
async function imageExists(tag: string): Promise<boolean> {
  const result = await podman(["image", "exists", tag]);
  if (result.code > 1) throw new Error(`podman image exists failed: ${result.stderr.trim()}`);
  return result.code === 0;
}

/** Debian bookworm (minbase) by debootstrap, imported once per machine. */
export async function makeDebian(): Promise<void> {
  if (await imageExists(IMAGE.debian)) return;
  const found = await exec(["sh", "-c", "command -v debootstrap"]);
  if (found.code !== 0)
    throw new Error("debootstrap is not installed (apt-get install debootstrap): no base image");
  say("making the Debian base image with debootstrap (once per machine, about a minute)");
  const dir = mkdtempSync(join(process.env.TMPDIR ?? "/var/tmp", "tend-test-rootfs-"));
  try {
    const strap = await exec(["debootstrap", "--variant=minbase", "bookworm", dir], {
      timeoutMs: 900_000,
    });
    if (strap.code !== 0)
      throw new Error(`debootstrap failed:\n${tail(strap.stdout + strap.stderr)}`);
    // Like the slim images: no package lists or downloaded packages.
    const imported = await exec([
      "sh",
      "-c",
      `tar -C "$1" --exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*' -c . | podman import --change 'CMD ["bash"]' --change "LABEL ${SUITE_LABEL}" - "$2"`,
      "import",
      dir,
      IMAGE.debian,
    ]);
    if (imported.code !== 0) throw new Error(`podman import failed: ${imported.stderr.trim()}`);
    say(`made ${IMAGE.debian} in ${((strap.ms + imported.ms) / 1000).toFixed(0)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A base image from one of base/*.Containerfile on top of the Debian image. */
async function makeDerived(tag: string, recipe: string): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), "tend-test-base-"));
  try {
    copyFileSync(join(import.meta.dir, "base", recipe), join(context, "Containerfile"));
    const ca = join(context, "machine-ca-certificates.crt");
    if (existsSync(MACHINE_CA)) copyFileSync(MACHINE_CA, ca);
    else writeFileSync(ca, "");
    await build({ tag, context, args: { DEBIAN: IMAGE.debian } });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** The stand-ins for node:20-bookworm-slim and python:3.12-slim, on the Debian image. */
export async function makeDerivedImages(): Promise<void> {
  await makeDerived(IMAGE.node, "node.Containerfile");
  await makeDerived(IMAGE.python, "python.Containerfile");
}

/** tend's image, from the project's own Dockerfile. */
export async function buildTend(): Promise<void> {
  const args = { BUILD_IMAGE: IMAGE.node, RUNTIME_IMAGE: IMAGE.debian };
  await build({ tag: IMAGE.tendBuild, context: ROOT, args, target: "build" });
  await build({ tag: IMAGE.tend, context: ROOT, args });
}

export function buildMultiProgram(): Promise<void> {
  return build({
    tag: IMAGE.multiProgram,
    context: join(EXAMPLES, "multi-program"),
    args: { TEND_IMAGE: IMAGE.tend, BASE: IMAGE.python },
  });
}

export function buildFromSupervisord(): Promise<void> {
  return build({
    tag: IMAGE.fromSupervisord,
    context: join(EXAMPLES, "from-supervisord"),
    args: { TEND_IMAGE: IMAGE.tend, BASE: IMAGE.debian },
  });
}

/** The supervisord + tini image the example migrates from (Debian's supervisor from apt). */
export function buildFromSupervisordBefore(): Promise<void> {
  return build({
    tag: IMAGE.fromSupervisordBefore,
    context: join(EXAMPLES, "from-supervisord"),
    file: join(EXAMPLES, "from-supervisord/before/Dockerfile"),
    args: { BASE: IMAGE.debian },
  });
}

/**
 * Untagged images of the suite that no tagged one needs any more (the layers
 * of an older build): podman prunes only dangling images with our label.
 */
export async function pruneStaleImages(): Promise<void> {
  await podman(["image", "prune", "--force", "--filter", `label=${SUITE_LABEL}`]);
}

/** `--clean`: every image the suite made, base images included. */
export async function removeAllImages(): Promise<void> {
  await podman(["image", "prune", "--force", "--filter", `label=${SUITE_LABEL}`]);
  for (const tag of Object.values(IMAGE)) await podman(["rmi", "--force", "--ignore", tag]);
}
