import { printable, remoteLine, stripControls } from "../scripts/shared/terminalText";

/**
 * Each form of control sequence of ECMA-48 (5th edition, 1991: 5.4 control sequences, 5.6 control strings, 8.3 the C1
 * set), in its 7-bit (ESC-prefixed) and 8-bit form, with the text around it kept. tests/chat.test.ts ("terminal text")
 * holds the attacks a model's answer could carry; this file walks the grammar.
 */
describe("stripControls: control sequences (CSI)", () => {
  it.each([
    ["no parameter", "a\x1b[mb", "ab"],
    ["several parameters", "a\x1b[38;5;196mb", "ab"],
    ["a private parameter (DEC mode)", "a\x1b[?25lb", "ab"],
    ["parameter bytes 0x30 to 0x3f, all of them", "a\x1b[0123456789:;<=>?mb", "ab"],
    ["an intermediate byte (cursor style)", "a\x1b[2 qb", "ab"],
    ["intermediate bytes 0x20 to 0x2f", "a\x1b[1 !\"#$%&'()*+,-./pb", "ab"],
    ["final bytes at both ends of 0x40 to 0x7e", "a\x1b[1@b\x1b[1~c", "abc"],
    ["the 8-bit CSI (0x9b)", "a\x9b1;31mb", "ab"],
  ])("%s", (_, raw, shown) => {
    expect(stripControls(raw)).toBe(shown);
  });

  it("ends a sequence at its final byte: the text after it stays", () => {
    expect(stripControls("\x1b[31mred and more")).toBe("red and more");
    expect(stripControls("\x1b[1;2Hx1;2H")).toBe("x1;2H");
  });
});

describe("stripControls: control strings (OSC, DCS, SOS, PM, APC)", () => {
  it.each([
    ["OSC (ESC ])", "\x1b]2;title\x07"],
    ["DCS (ESC P)", "\x1bP1$r\x1b\\"],
    ["SOS (ESC X)", "\x1bXstring\x1b\\"],
    ["PM (ESC ^)", "\x1b^privacy\x1b\\"],
    ["APC (ESC _)", "\x1b_app\x1b\\"],
    ["8-bit DCS (0x90)", "\x90dcs\x9c"],
    ["8-bit SOS (0x98)", "\x98sos\x9c"],
    ["8-bit OSC (0x9d)", "\x9d0;t\x07"],
    ["8-bit PM (0x9e)", "\x9epm\x9c"],
    ["8-bit APC (0x9f)", "\x9fapc\x1b\\"],
  ])("%s, with its body", (_, sequence) => {
    expect(stripControls(`before${sequence}after`)).toBe("beforeafter");
  });

  it("ends a string at BEL, at ST (ESC \\) and at the 8-bit ST (0x9c), whichever comes first", () => {
    expect(stripControls("\x1b]0;a\x07kept\x07")).toBe("kept");
    expect(stripControls("\x1b]0;a\x1b\\kept\x1b\\")).toBe("kept");
    expect(stripControls("\x1b]0;a\x9ckept\x9c")).toBe("kept");
  });

  it("swallows an unterminated string to the end of the text, even across lines", () => {
    expect(stripControls("shown\x1bPno end\nnext line")).toBe("shown");
    expect(stripControls("shown\x9dno end")).toBe("shown");
  });
});

describe("stripControls: other escapes and single controls", () => {
  it.each([
    ["ESC c (reset)", "a\x1bcb", "ab"],
    ["ESC 7 and ESC 8 (save and restore the cursor)", "a\x1b7b\x1b8c", "abc"],
    ["a charset designation with its intermediate (ESC ( 0)", "a\x1b(0b", "ab"],
    ["ESC ~, the last final byte", "a\x1b~b", "ab"],
    ["C0 controls 0x00 to 0x08", "a\x00\x01\x02\x03\x04\x05\x06\x07\x08b", "ab"],
    ["C0 controls 0x0b to 0x1f", "a\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1c\x1d\x1e\x1fb", "ab"],
    ["a lone carriage return", "a\rb", "ab"],
    ["DEL and the C1 controls 0x80 to 0x9f that start nothing", "a\x7f\x80\x81\x84\x85\x8d\x91\x9ab", "ab"],
  ])("strips %s", (_, raw, shown) => {
    expect(stripControls(raw)).toBe(shown);
  });

  it("keeps tab and newline, turns every CRLF into LF, and keeps the characters next to the control ranges", () => {
    expect(stripControls("a\tb\nc\r\nd\r\ne")).toBe("a\tb\nc\nd\ne");
    expect(stripControls(" ~\xa0\u200d\u2010\u2070")).toBe(" ~\xa0\u200d\u2010\u2070");
  });
});

describe("printable", () => {
  it("shows every control as a four-digit escape and leaves the rest", () => {
    expect(printable("\x00\t\n\x1f \x7f\x9f\u200e\u200f\u202a\u202e\u2066\u2069")).toBe(
      "\\u0000\\u0009\\u000a\\u001f \\u007f\\u009f\\u200e\\u200f\\u202a\\u202e\\u2066\\u2069",
    );
    expect(printable("plain ~\xa0é")).toBe("plain ~\xa0é");
  });
});

describe("remoteLine", () => {
  it("puts the text on one line: runs of white space as one space, none at the ends", () => {
    expect(remoteLine("\n\t  first\r\n\n  second \t third  \n")).toBe("first second third");
  });

  it("keeps a line of exactly the limit whole and cuts one character more", () => {
    expect(remoteLine("y".repeat(300))).toBe("y".repeat(300));
    expect(remoteLine("y".repeat(301))).toBe(`${"y".repeat(300)}...`);
    expect(remoteLine("abcd", 4)).toBe("abcd");
    expect(remoteLine("abcde", 4)).toBe("abcd...");
  });

  it("counts the limit after stripping controls and white space", () => {
    expect(remoteLine(`\x1b[31m${"z".repeat(10)}\x1b[0m   `, 10)).toBe("z".repeat(10));
  });
});
