// The shape check both sides make on XML-RPC values: which ones are structs.

import { expect, test } from "bun:test";
import { isStruct, type XmlRpcValue } from "../../../src/protocol/xmlrpc.ts";

test.each([
  ["a struct", { a: 1 }, true],
  ["an empty struct", {}, true],
  ["an array", [1], false],
  ["a dateTime", new Date(0), false],
  ["base64 bytes", new Uint8Array([1]), false],
  ["nil", null, false],
  ["a string", "x", false],
  ["nothing (a missing parameter)", undefined, false],
] as const)("isStruct: %s is %p", (_name, value, expected) => {
  expect(isStruct(value as XmlRpcValue | undefined)).toBe(expected);
});
