// POSIX path arithmetic, as node:path's posix functions do it (the unit
// tests compare the two on thousands of paths). node:path is not used by
// the code that runs before the first program: loading Bun's module costs
// run mode's start about 2 ms. Pure: resolveFrom() is given the working
// directory.

/** `path` with `.` and `..` steps, repeated and trailing slashes resolved; "." when nothing is left. */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  let result = normalizeSteps(path, !absolute);
  if (result === "" && !absolute) result = ".";
  if (result !== "" && trailing) result += "/";
  return absolute ? `/${result}` : result;
}

export function join(...parts: readonly string[]): string {
  const joined = parts.filter((part) => part !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/** The absolute path `parts` lead to from `cwd` (node:path's resolve with process.cwd() as `cwd`). */
export function resolveFrom(cwd: string, ...parts: readonly string[]): string {
  let resolved = "";
  let absolute = false;
  for (let i = parts.length - 1; i >= -1 && !absolute; i--) {
    const part = i >= 0 ? (parts[i] ?? "") : cwd;
    if (part === "") continue;
    resolved = `${part}/${resolved}`;
    absolute = part.startsWith("/");
  }
  const steps = normalizeSteps(resolved, !absolute);
  return absolute ? `/${steps}` : steps === "" ? "." : steps;
}

/** Everything before the last step; "/" or "." when there is nothing before it. */
export function dirname(path: string): string {
  if (path === "") return ".";
  const rooted = path.startsWith("/");
  let end = -1;
  let inLastStep = true;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] === "/") {
      if (!inLastStep) {
        end = i;
        break;
      }
    } else inLastStep = false;
  }
  if (end === -1) return rooted ? "/" : ".";
  if (rooted && end === 1) return "//";
  return path.slice(0, end);
}

/** The steps of `path` without `.`, empty steps and resolved `..`, joined by "/" (no leading or trailing one). */
function normalizeSteps(path: string, aboveRoot: boolean): string {
  const steps: string[] = [];
  for (const step of path.split("/")) {
    if (step === "" || step === ".") continue;
    if (step !== "..") steps.push(step);
    else if (steps.length > 0 && steps[steps.length - 1] !== "..") steps.pop();
    else if (aboveRoot) steps.push("..");
  }
  return steps.join("/");
}
