const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * The deepest nesting of `[`/`{` in a JSON text, counted on its UTF-8 bytes without parsing (brackets inside strings
 * are skipped; multi-byte UTF-8 sequences never contain these ASCII bytes). Stops as soon as the depth passes
 * `limit`, so a hostile 1 MiB body of `[[[[…` costs one linear scan and no recursion. Malformed text is not
 * diagnosed here (JSON.parse does that afterwards).
 *
 * @param bytes the body, UTF-8.
 * @param limit the deepest nesting allowed.
 * @returns the depth reached, at most `limit + 1` (then the text is too deep).
 * @example
 * jsonNestingDepth(Buffer.from('{"instances": [[1], [2]]}'), 32); // 3
 */
export function jsonNestingDepth(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) depth--;
  }
  return deepest;
}
