import { z } from 'zod';

/** Largest secret value, in UTF-8 bytes (here, with no database code, so the remote client's CLI can check it). */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;

/** What a secret's name looks like: a letter or `_`, then up to 63 letters, digits or `_`. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * A secret's name, as `cus-cli secrets set NAME` and `{{secrets.NAME}}` take it.
 *
 * @example
 * ```ts
 * secretNameSchema.parse('API_TOKEN'); // 'API_TOKEN'
 * ```
 */
export const secretNameSchema = z
  .string()
  .regex(SECRET_NAME_PATTERN, 'must be a letter or _ followed by up to 63 letters, digits or _ (e.g. API_TOKEN)');

/** `{{secrets.NAME}}`: how params reference a secret, and what a resolved value is redacted to. */
export function secretReference(name: string): string {
  return `{{secrets.${name}}}`;
}

const SECRET_REFERENCE = /\{\{\s*secrets\.[A-Za-z_][A-Za-z0-9_]{0,63}\s*\}\}/g;
// Step output references are checked properly by the plan validator; this only has to tell
// "a template" from literal text.
const ANY_REFERENCE = /\{\{\s*(?:secrets\.[A-Za-z_][A-Za-z0-9_]{0,63}|s[0-9]+(?:[.[][^{}]*)?)\s*\}\}/g;
// What may surround the references: an auth scheme (`Bearer `, `Basic `), cookie-style
// `name=` before each one, and separators. Nothing that could itself be a credential: a scheme
// is letters only, and a literal after the references is refused.
const PLACEHOLDER = '\u0000';
const REFERENCE_ONLY = new RegExp(
  `^\\s*(?:[A-Za-z][A-Za-z-]{0,19}\\s+)?(?:[\\w.-]{1,64}=)?${PLACEHOLDER}(?:\\s*[;,]?\\s*(?:[\\w.-]{1,64}=)?${PLACEHOLDER})*\\s*$`,
);

/**
 * True when `text` holds a credential only by reference: one or more `{{secrets.NAME}}`
 * templates (with `steps`, also `{{sN.…}}` step outputs), optionally after an auth scheme such
 * as `Bearer ` or cookie-style `name=`, and nothing else.
 *
 * @example
 * ```ts
 * isReferenceOnly('Bearer {{secrets.API_TOKEN}}'); // true
 * isReferenceOnly('Bearer sk-live-1234');          // false
 * isReferenceOnly('{{s1.body.token}}', { steps: true }); // true
 * ```
 */
export function isReferenceOnly(text: string, options: { readonly steps?: boolean } = {}): boolean {
  if (text.includes(PLACEHOLDER)) return false;
  let count = 0;
  const rest = text.replace(options.steps ? ANY_REFERENCE : SECRET_REFERENCE, () => {
    count += 1;
    return PLACEHOLDER;
  });
  return count > 0 && REFERENCE_ONLY.test(rest);
}
