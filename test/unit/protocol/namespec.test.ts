// supervisord's namespecs, both ways: `name` for a process in the group named
// after it, `group:name` otherwise, `group:*` and `group:` for a whole group.

import { describe, expect, test } from "bun:test";
import { makeNamespec, splitNamespec } from "../../../src/protocol/namespec.ts";

describe("namespecs", () => {
  test("make: the name alone when the group is named after it", () => {
    expect(makeNamespec("web", "web")).toBe("web");
    expect(makeNamespec("grp", "a")).toBe("grp:a");
  });

  test.each([
    ["web", { groupName: "web", processName: "web" }],
    ["grp:a", { groupName: "grp", processName: "a" }],
    ["grp:*", { groupName: "grp", processName: undefined }],
    ["grp:", { groupName: "grp", processName: undefined }],
    ["a:b:c", { groupName: "a", processName: "b:c" }],
  ])("split %s", (namespec, expected) => {
    expect(splitNamespec(namespec)).toEqual(expected);
  });
});
