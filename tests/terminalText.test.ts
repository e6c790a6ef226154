import { printable, remoteLine, stripControls } from "../scripts/shared/terminalText";

// The table of escape sequences is in tests/chat.test.ts ("terminal text"); these are the characters that need no escape.
describe("terminal text: controls that are single characters", () => {
  it.each([
    ["NEL (C1 0x85), a line break of its own", "a\u0085b", "ab"],
    ["RI (C1 0x8d), a reverse line feed", "a\u008db", "ab"],
    ["a right-to-left override and its pop (U+202E, U+202C)", "file\u202egpj.exe\u202c", "filegpj.exe"],
    ["embeddings (U+202A, U+202B, U+202D)", "\u202ax\u202by\u202dz", "xyz"],
    ["isolates (U+2066 to U+2069)", "\u2066a\u2067b\u2068c\u2069", "abc"],
    ["left-to-right and right-to-left marks (U+200E, U+200F)", "\u200eok\u200f", "ok"],
  ])("strips %s", (_, raw, shown) => {
    expect(stripControls(raw)).toBe(shown);
  });

  it("keeps right-to-left text itself, and joiners", () => {
    expect(stripControls("שלום عربى a\u200db")).toBe("שלום عربى a\u200db");
  });

  it("shows them as escapes when quoting", () => {
    expect(printable("a\u202eb\u0085c\u2066")).toBe("a\\u202eb\\u0085c\\u2066");
  });

  it("puts a server's text on one short line, without what a terminal would act on", () => {
    const page = "<html>\n  <title>\x1b]0;pwned\x07Error</title>\x1b]52;c;ZXZpbA==\x1b\\\r\n\u202e\u0085 busy\x9b2J</html>";
    expect(remoteLine(page)).toBe("<html> <title>Error</title> busy</html>");
    expect(remoteLine("x".repeat(301))).toBe(`${"x".repeat(300)}...`);
    expect(remoteLine("abcdef", 3)).toBe("abc...");
  });
});
