import { describe, expect, test } from "bun:test";
import {
  applySgr,
  PLAIN,
  palette256,
  parseAnsi,
  plainText,
  type Segment,
} from "../../../src/ui/ansi.ts";

/** Segments as [text, classes] pairs, inline colours appended when present. */
function view(text: string): (string | string[])[][] {
  return parseAnsi(text).segments.map((s: Segment) => [
    s.text,
    s.classes.slice(),
    ...(s.color === undefined ? [] : [`color ${s.color}`]),
    ...(s.background === undefined ? [] : [`background ${s.background}`]),
  ]);
}

describe("ansi: plain text", () => {
  test("text without escapes is one unstyled segment", () => {
    expect(view("hello world")).toEqual([["hello world", []]]);
  });

  test("empty text is no segment", () => {
    expect(parseAnsi("").segments).toEqual([]);
  });

  test("tab stays a tab", () => {
    expect(view("a\tb")).toEqual([["a\tb", []]]);
  });

  test("U+FFFD (a byte that was not UTF-8) is ordinary text", () => {
    expect(view("bad \uFFFD byte")).toEqual([["bad \uFFFD byte", []]]);
  });
});

describe("ansi: SGR colours", () => {
  test("30–37 are palette 0–7, and 0 resets", () => {
    expect(view("\x1b[31mred\x1b[0m plain")).toEqual([
      ["red", ["fg-1"]],
      [" plain", []],
    ]);
  });

  test("90–97 are the bright colours 8–15", () => {
    expect(view("\x1b[92mok")).toEqual([["ok", ["fg-10"]]]);
  });

  test("40–47 and 100–107 are backgrounds", () => {
    expect(view("\x1b[44ma\x1b[107mb")).toEqual([
      ["a", ["bg-4"]],
      ["b", ["bg-15"]],
    ]);
  });

  test("ESC [ m (no parameter) resets like 0", () => {
    expect(view("\x1b[1mb\x1b[mn")).toEqual([
      ["b", ["bold"]],
      ["n", []],
    ]);
  });

  test("several parameters in one sequence", () => {
    expect(view("\x1b[1;4;33;41mx")).toEqual([["x", ["fg-3", "bg-1", "bold", "underline"]]]);
  });

  test("39 and 49 restore the default colours, keeping the attributes", () => {
    expect(view("\x1b[1;31;42ma\x1b[39mb\x1b[49mc")).toEqual([
      ["a", ["fg-1", "bg-2", "bold"]],
      ["b", ["bg-2", "bold"]],
      ["c", ["bold"]],
    ]);
  });

  test("bold, dim, italic, underline, strike and their ends (22, 23, 24, 29)", () => {
    expect(view("\x1b[1;2;3;4;9ma\x1b[22mb\x1b[23mc\x1b[24md\x1b[29me")).toEqual([
      ["a", ["bold", "dim", "italic", "underline", "strike"]],
      ["b", ["italic", "underline", "strike"]],
      ["c", ["underline", "strike"]],
      ["d", ["strike"]],
      ["e", []],
    ]);
  });

  test("4:0 ends underline, 4:3 (curly) is underline", () => {
    expect(view("\x1b[4:3ma\x1b[4:0mb")).toEqual([
      ["a", ["underline"]],
      ["b", []],
    ]);
  });

  test("inverse swaps the colours; with none set, the page's own", () => {
    expect(view("\x1b[7ma\x1b[31mb\x1b[27mc")).toEqual([
      ["a", ["fg-bg", "bg-fg"]],
      ["b", ["fg-bg", "bg-1"]],
      ["c", ["fg-1"]],
    ]);
  });

  test("an unknown code is ignored", () => {
    expect(view("\x1b[5;31ma")).toEqual([["a", ["fg-1"]]]);
  });

  test("equal styles in a row make one segment", () => {
    expect(view("\x1b[31ma\x1b[31mb")).toEqual([["ab", ["fg-1"]]]);
  });

  test("a style set at the end applies to nothing", () => {
    expect(view("a\x1b[31m")).toEqual([["a", []]]);
  });
});

describe("ansi: 256 colours and true colour", () => {
  test("38;5;n below 16 is a palette class", () => {
    expect(view("\x1b[38;5;9ma")).toEqual([["a", ["fg-9"]]]);
  });

  test("38;5;n in the cube is an inline colour", () => {
    expect(view("\x1b[38;5;208ma")).toEqual([["a", [], "color #ff8700"]]);
  });

  test("48;5;n in the grey ramp is an inline background", () => {
    expect(view("\x1b[48;5;232ma")).toEqual([["a", [], "background #080808"]]);
  });

  test("38;2;r;g;b is an inline colour, and later parameters still apply", () => {
    expect(view("\x1b[38;2;255;0;128;1ma")).toEqual([["a", ["bold"], "color #ff0080"]]);
  });

  test("colon forms: 38:5:n, 38:2::r:g:b and 38:2:r:g:b", () => {
    expect(view("\x1b[38:5:196ma")).toEqual([["a", [], "color #ff0000"]]);
    expect(view("\x1b[38:2::1:2:3ma")).toEqual([["a", [], "color #010203"]]);
    expect(view("\x1b[48:2:1:2:3ma")).toEqual([["a", [], "background #010203"]]);
  });

  test("out-of-range values are clamped, missing ones make it ignored", () => {
    expect(view("\x1b[38;2;1;2ma")).toEqual([["a", []]]);
    expect(view("\x1b[38;2;300;1;0ma")).toEqual([["a", [], "color #ff0100"]]);
    expect(view("\x1b[38;5;256ma")).toEqual([["a", []]]);
  });

  test("38 with nothing after it changes nothing", () => {
    expect(view("\x1b[38ma")).toEqual([["a", []]]);
  });

  test("palette256 corners", () => {
    expect(palette256(16)).toBe("#000000");
    expect(palette256(231)).toBe("#ffffff");
    expect(palette256(255)).toBe("#eeeeee");
  });
});

describe("ansi: other escape sequences are dropped", () => {
  test("cursor moves and erases", () => {
    expect(view("a\x1b[2Kb\x1b[1;1Hc\x1b[?25ld")).toEqual([["abcd", []]]);
  });

  test("a CSI with a private prefix ending in m is not SGR", () => {
    expect(view("\x1b[>4;2ma")).toEqual([["a", []]]);
  });

  test("OSC ended by BEL (a window title)", () => {
    expect(view("a\x1b]0;title\x07b")).toEqual([["ab", []]]);
  });

  test("OSC 8 hyperlink ended by ST keeps the link text", () => {
    expect(view("\x1b]8;;x\x1b\\link\x1b]8;;\x1b\\ end")).toEqual([["link end", []]]);
  });

  test("an unfinished OSC swallows the rest", () => {
    expect(view("a\x1b]0;never ends")).toEqual([["a", []]]);
  });

  test("an unfinished CSI at the end is dropped", () => {
    expect(view("a\x1b[31")).toEqual([["a", []]]);
  });

  test("a control inside a CSI ends it; the control is shown", () => {
    expect(view("a\x1b[3\x07b")).toEqual([
      ["a", []],
      ["^G", ["ctl"]],
      ["b", []],
    ]);
  });

  test("two-byte and charset sequences (ESC 7, ESC ( B)", () => {
    expect(view("a\x1b7b\x1b(Bc")).toEqual([["abc", []]]);
  });

  test("DCS and APC strings", () => {
    expect(view("a\x1bPq#0\x1b\\b\x1b_x\x1b\\c")).toEqual([["abc", []]]);
  });

  test("a lone ESC at the end is dropped", () => {
    expect(view("a\x1b")).toEqual([["a", []]]);
  });
});

describe("ansi: control characters are shown, never obeyed", () => {
  test("C0 controls are shown in caret notation, in the current style", () => {
    expect(view("\x1b[31ma\x00b\rc\x08")).toEqual([
      ["a", ["fg-1"]],
      ["^@", ["fg-1", "ctl"]],
      ["b", ["fg-1"]],
      ["^M", ["fg-1", "ctl"]],
      ["c", ["fg-1"]],
      ["^H", ["fg-1", "ctl"]],
    ]);
  });

  test("DEL and C1 controls (U+009B, the one-byte CSI, is not a CSI)", () => {
    expect(view("a\x7fb\u009b31mc")).toEqual([
      ["a", []],
      ["^?", ["ctl"]],
      ["b", []],
      ["<9B>", ["ctl"]],
      ["31mc", []],
    ]);
  });

  test("a newline inside the text is shown as a symbol (lines are split before)", () => {
    expect(plainText(parseAnsi("a\nb").segments)).toBe("a^Jb");
  });
});

describe("ansi: state across lines", () => {
  test("the end state carries a colour to the next line", () => {
    const first = parseAnsi("\x1b[32mgreen");
    expect(first.end.fg).toBe(2);
    const second = parseAnsi("still\x1b[0m", first.end);
    expect(second.segments).toEqual([{ text: "still", classes: ["fg-2"] }]);
    expect(second.end).toEqual(PLAIN);
  });

  test("applySgr does not change the state it was given", () => {
    const before = { ...PLAIN };
    applySgr(before, "1;31");
    expect(before).toEqual(PLAIN);
  });

  test("plainText joins the segments' text", () => {
    expect(plainText(parseAnsi("\x1b[1mERROR\x1b[0m: disk \x1b[31mfull").segments)).toBe(
      "ERROR: disk full",
    );
  });
});
