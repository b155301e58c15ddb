// C0 and C1 controls, DEL, the bidirectional formatting characters (embeddings, overrides,
// isolates, marks) and the line and paragraph separators: what can move the cursor, recolour or
// clear a terminal, or make text read in another order than it is stored.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` safe to print on a terminal: every control character, bidirectional override or
 * separator in it is written as an escape — `\x1b` up to U+00FF, `\u202e` beyond — and all else
 * is kept. Human output applies it to every value that comes from data (goals, names, errors,
 * outcomes); JSON output needs nothing (JSON escapes controls itself).
 *
 * @example
 * ```ts
 * escapeControls('\u001b[31mred'); // '\\x1b[31mred'
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
