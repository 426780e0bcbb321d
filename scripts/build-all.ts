// `npm run build:all`: the release executables for every Linux tend supports.
// Bun fetches each target's runtime from the npm registry on first use.
// The musl builds run on Alpine with `apk add libstdc++ libgcc`.

const TARGETS = ["linux-x64", "linux-arm64", "linux-x64-musl", "linux-arm64-musl"] as const;

for (const target of TARGETS) {
  const outfile = `dist/tend-${target}`;
  const build = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "--compile",
      // As package.json's build: a chunk per role, read only by the process
      // that plays it; no .env or bunfig.toml read from the working directory.
      "--format=esm",
      "--splitting",
      "--minify",
      "--bytecode",
      "--sourcemap",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      `--target=bun-${target}`,
      "src/main.ts",
      "--outfile",
      outfile,
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  if (build.exitCode !== 0) {
    console.error(`build:all: ${target} failed (exit ${build.exitCode})`);
    process.exit(1);
  }
}
console.log(`build:all: ${TARGETS.map((t) => `dist/tend-${t}`).join(", ")}`);
