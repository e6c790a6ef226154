/** Longest part of a value a message repeats: a pasted file or a runaway value is shown by its start and length. */
export const SHOWN_CHARACTERS = 120;

/** `text`, or its first {@link SHOWN_CHARACTERS} characters and its length when it is longer. */
export function shortened(text: string): string {
  return text.length <= SHOWN_CHARACTERS ? text : `${text.slice(0, SHOWN_CHARACTERS)}... (${text.length} characters)`;
}
