/**
 * Text from the network on a terminal. A model's answer, or an error page, can hold escape sequences that recolour,
 * move the cursor, retitle the window, write hyperlinks or the clipboard (OSC 52); none of that may reach the terminal.
 */

// ESC or its 8-bit C1 form, for each kind of sequence (ECMA-48): strings (OSC, DCS, SOS, PM, APC) run to BEL or ST,
// or to the end of the text when unterminated, as a terminal would swallow the rest.
const SEQUENCES = new RegExp(
  [
    String.raw`(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]`, // CSI: colours, cursor moves, screen clears
    String.raw`(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)`, // OSC, DCS, SOS, PM, APC
    String.raw`\x1b[ -/]*[0-~]`, // other escape sequences (ESC c resets the terminal)
  ].join("|"),
  "g",
);

/**
 * C0 controls other than tab and newline, DEL, C1 controls (NEL 0x85 and RI 0x8d move the cursor), an escape left over
 * at the end, and the bidirectional controls that reorder what follows on the line (LRM, RLM, LRE to RLO, LRI to PDI),
 * with which a message can show one thing and mean another.
 */
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The text without terminal control sequences or control characters; newlines and tabs stay, CRLF becomes LF. */
export function stripControls(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(SEQUENCES, "").replace(CONTROLS, "");
}

/** The text on one line with every control character shown as an escape (`\u001b`), for quoting what arrived. */
export function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Text from a server for a message on one line: controls stripped as {@link stripControls} does, runs of white space
 * (newlines too) as one space, and at most `max` characters, then "...".
 */
export function remoteLine(text: string, max = 300): string {
  const line = stripControls(text).replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}...` : line;
}
