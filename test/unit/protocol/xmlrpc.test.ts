// The XML-RPC codec as a whole: round trips of every type through calls and
// responses (multi-megabyte ones included), and a cross-check against
// Python's xmlrpc.client (what supervisorctl runs) when python3 is installed.

import { describe, expect, test } from "bun:test";
import {
  encodeFault,
  encodeMethodCall,
  encodeMethodResponse,
  parseMethodCall,
  parseMethodResponse,
  type XmlRpcValue,
} from "../../../src/protocol/xmlrpc.ts";

const NOV_21 = new Date(Date.UTC(2026, 10, 21, 19, 20, 0));

describe("round trips", () => {
  const ROUND_TRIPS: readonly [string, XmlRpcValue][] = [
    ["int", 7],
    ["negative int", -123456],
    ["i4 limits", [2 ** 31 - 1, -(2 ** 31)]],
    ["past i4, as double", [2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53) + 1]],
    ["doubles", [0.1, -2.5, 1e300, 5e-324, 1e21, 123456789.125]],
    ["booleans", [true, false]],
    ["empty string", ""],
    ["special characters", `<tag attr="v">&amp; 'q'</tag> ]]> &#13;`],
    ["whitespace", "  \t lead and trail \n\n "],
    ["CR and CRLF", "a\rb\r\nc\n"],
    ["non-BMP", "😀🎉 𝄞"],
    ["null", null],
    ["date", NOV_21],
    ["bytes", new Uint8Array([0, 1, 2, 253, 254, 255])],
    ["empty array", []],
    ["empty struct", {}],
    [
      "nested struct in array in struct",
      { outer: [{ inner: { leaf: "x", n: 1 } }, [], {}], "key with <>&": "v" },
    ],
    [
      "a getAllProcessInfo-like answer",
      [
        {
          name: "web",
          group: "web",
          description: "pid 42, uptime 0:01:00",
          start: 1700000000,
          stop: 0,
          now: 1700000060,
          state: 20,
          statename: "RUNNING",
          spawnerr: "",
          exitstatus: 0,
          logfile: "/var/log/web.log",
          stdout_logfile: "/var/log/web.log",
          stderr_logfile: "",
          pid: 42,
        },
      ],
    ],
  ];

  test.each(ROUND_TRIPS)("%s through a call", (_name, value) => {
    expect(parseMethodCall(encodeMethodCall("x.y", [value, value]))).toEqual({
      method: "x.y",
      params: [value, value],
    });
  });

  test.each(ROUND_TRIPS)("%s through a response", (_name, value) => {
    expect(parseMethodResponse(encodeMethodResponse(value))).toEqual({ ok: true, value });
  });

  test("a multi-megabyte string with markup, references and non-BMP text", () => {
    const line = '12:00:00 GET /?a=1&b=<2> "ok" 😀\r\n';
    const big = line.repeat(Math.ceil((4 * 1024 * 1024) / line.length));
    const response = parseMethodResponse(encodeMethodResponse([big, 0, false]));
    expect(response.ok).toBe(true);
    const value = response.ok ? (response.value as XmlRpcValue[]) : [];
    expect(value[0] === big).toBe(true);
    expect(value.slice(1)).toEqual([0, false]);
  });

  test("a multi-megabyte base64 value and a long array", () => {
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    const many = Array.from({ length: 50_000 }, (_, i) => ({ name: `p${i}`, pid: i }));
    const { params } = parseMethodCall(encodeMethodCall("m", [bytes, many]));
    expect(params[0]).toEqual(bytes);
    expect(params[1]).toEqual(many);
  });
});

// --- Python's xmlrpc.client, which supervisorctl and supervisord run

const PYTHON = Bun.which("python3");
if (PYTHON === null) {
  console.warn("python3 not found: skipping the cross-check against Python's xmlrpc.client");
}

/** Loads each document with Python and describes what it got, types included. */
const PYTHON_LOADS = `
import base64, datetime, json, sys, xmlrpc.client as x
def describe(v):
    if isinstance(v, bool): return ["boolean", v]
    if isinstance(v, int): return ["int", v]
    if isinstance(v, float): return ["double", v]
    if isinstance(v, str): return ["string", v]
    if v is None: return ["nil"]
    if isinstance(v, bytes): return ["base64", base64.b64encode(v).decode()]
    if isinstance(v, datetime.datetime): return ["dateTime", v.isoformat()]
    if isinstance(v, list): return ["array", [describe(i) for i in v]]
    if isinstance(v, dict): return ["struct", {k: describe(i) for k, i in v.items()}]
    raise TypeError(type(v))
def load(doc):
    try:
        params, method = x.loads(doc, use_builtin_types=True)
        return {"method": method, "params": [describe(p) for p in params]}
    except x.Fault as f:
        return {"fault": [f.faultCode, f.faultString]}
    except Exception as e:
        return {"error": repr(e)}
documents = json.load(sys.stdin)
if isinstance(documents, list):
    json.dump([load(d) for d in documents], sys.stdout)
else:
    # Documents as Python's dumps writes them, with what Python reads back from each.
    values = (1, -2**31, 2**31 - 1, 1.5, 1e16, 1e-7, -0.0, True, False, "", "a<b>&c\\"'",
              "tab\\tlf\\ncr\\rcrlf\\r\\n", "\\U0001F600 \\u00e9", b"", bytes(range(256)) * 3,
              datetime.datetime(2026, 11, 21, 19, 20, 0), [], {}, {"a": [1, {"b": None}]}, None)
    written = [
        x.dumps(values, methodname="x.y", allow_none=True),
        x.dumps(({"name": "web", "pid": 42},), methodresponse=True),
        x.dumps(("",), methodresponse=True),
        x.dumps(x.Fault(10, "BAD_NAME: <foo>")),
        x.dumps(([{"methodName": "supervisor.getState", "params": []},
                  {"methodName": "supervisor.startProcess", "params": ["web", True]}],),
                methodname="system.multicall"),
    ]
    json.dump([{"doc": d, "python": load(d)} for d in written], sys.stdout)
`;

function runPython(input: unknown): unknown {
  const result = Bun.spawnSync({
    cmd: [PYTHON ?? "python3", "-c", PYTHON_LOADS],
    stdin: Buffer.from(JSON.stringify(input)),
  });
  if (result.exitCode !== 0) throw new Error(result.stderr.toString());
  return JSON.parse(result.stdout.toString());
}

type Described = [string, ...unknown[]];

/** What Python should read for a value tend encodes (strings as sent, after U+FFFD replacement). */
function asPythonReadsIt(value: XmlRpcValue): Described {
  if (typeof value === "boolean") return ["boolean", value];
  if (typeof value === "number") {
    const i4 = Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;
    return [i4 ? "int" : "double", value];
  }
  if (typeof value === "string") return ["string", value];
  if (value === null) return ["nil"];
  if (value instanceof Date) return ["dateTime", value.toISOString().slice(0, 19)];
  if (value instanceof Uint8Array) return ["base64", Buffer.from(value).toString("base64")];
  if (Array.isArray(value)) return ["array", value.map(asPythonReadsIt)];
  return [
    "struct",
    Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asPythonReadsIt(item)])),
  ];
}

/** Python's description with int and double merged: in JavaScript both are numbers. */
function asNumbers(described: unknown): unknown {
  if (!Array.isArray(described)) return described;
  const [type, content] = described as Described;
  if (type === "int" || type === "double") return ["number", content];
  if (type === "array") return ["array", (content as unknown[]).map(asNumbers)];
  if (type === "struct") {
    const members = Object.entries(content as Record<string, unknown>);
    return ["struct", Object.fromEntries(members.map(([key, item]) => [key, asNumbers(item)]))];
  }
  return described;
}

function describeOurs(value: XmlRpcValue): unknown {
  return asNumbers(asPythonReadsIt(value));
}

describe.skipIf(PYTHON === null)("against Python's xmlrpc.client", () => {
  test("Python loads what tend encodes", () => {
    const values: XmlRpcValue[] = [
      0,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      2 ** 53 - 1,
      1.5,
      1e21,
      5e-324,
      true,
      false,
      "",
      `<>&"' ]]>`,
      "tab\tlf\ncr\rcrlf\r\n",
      "😀 é 𝄞",
      "  padded  ",
      null,
      NOV_21,
      new Uint8Array([]),
      new Uint8Array(1000).map((_, i) => i & 0xff),
      [],
      {},
      { outer: [{ inner: { leaf: "x" } }, [], {}], "key <&>": "v" },
    ];
    const unsafe = "nul\0 bel\x07 \uFFFE\uFFFF lone \uD83D end";
    const documents = [
      encodeMethodCall("supervisor.readLog", values),
      encodeMethodCall("x", [unsafe]),
      encodeMethodResponse(values),
      encodeFault(70, "NOT_RUNNING: <web> & co"),
    ];
    expect(runPython(documents)).toEqual([
      { method: "supervisor.readLog", params: values.map(asPythonReadsIt) },
      { method: "x", params: [["string", "nul\uFFFD bel\uFFFD \uFFFD\uFFFD lone \uFFFD end"]] },
      { method: null, params: [asPythonReadsIt(values)] },
      { fault: [70, "NOT_RUNNING: <web> & co"] },
    ]);
  });

  test("tend parses what Python's dumps writes, as Python reads it", () => {
    const written = runPython("dumps") as { doc: string; python: Record<string, unknown> }[];
    expect(written).toHaveLength(5);
    for (const { doc, python } of written) {
      if ("fault" in python) {
        const [code, message] = python.fault as [number, string];
        expect(parseMethodResponse(doc)).toEqual({ ok: false, code, message });
      } else if (python.method === null) {
        const response = parseMethodResponse(doc);
        if (!response.ok) throw new Error(`unexpected fault ${response.message}`);
        expect([describeOurs(response.value)]).toEqual((python.params as unknown[]).map(asNumbers));
      } else {
        const call = parseMethodCall(doc);
        expect(call.method).toBe(python.method as string);
        expect(call.params.map(describeOurs)).toEqual((python.params as unknown[]).map(asNumbers));
      }
    }
  });
});
