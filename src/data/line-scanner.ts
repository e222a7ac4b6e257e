import { DataError } from '../errors';
import { lineTooLong, MAX_LINE_BYTES } from './byte-input';
import { MAX_ID } from './value-rules';

const NL = 10;
const CR = 13;
const QUOTE = 34;
const DOT = 46;
const ZERO = 48;
/** More digits than this would not be exact in a double (2^53 ≈ 9.007e15). */
const MAX_INT_DIGITS = 15;
// Module-local copies of the imported limits: the hot loops read them per line and per id, and an imported binding
// can compile to a property load (or a getter call) on the other module's exports object.
const MAX_LINE = MAX_LINE_BYTES;
const MAX_ID_LOCAL = MAX_ID;
/** What an id must be (built once: the readers call {@link LineScanner.id} twice per rating). */
const ID_RULE = `a positive integer id from 1 to ${MAX_ID} (digits only)`;

/**
 * Parses delimited text straight from bytes, one field at a time, without splitting the file into strings.
 * Numbers are decoded from the bytes; only text fields become strings (in the file's encoding).
 * Blank lines are skipped; a trailing `\r` (CRLF files) is ignored. Every error is a {@link DataError}
 * (`malformed_line`) naming the file, the 1-based line number and the field; a line longer than
 * {@link MAX_LINE_BYTES} is a `line_too_long` DataError.
 *
 * @example
 * const s = new LineScanner(bytes, 'u.data', '\t');
 * while (s.nextLine()) { const user = s.int('user_id'); ... s.end(); }
 */
export class LineScanner {
  /** 1-based number of the current line (counting blank lines and headers). */
  lineNo = 0;
  private bytes: Uint8Array;
  private buf: Buffer;
  private next = 0;
  private lineStart = 0;
  private lineEnd = 0;
  private pos = 0;
  private exhausted = false;
  private fieldStart = 0;
  private fieldCount = 0;
  private readonly sep: number;
  private readonly sepLen: number;

  /**
   * @param bytes the file's bytes (or a chunk ending at a line boundary; see {@link reset}).
   * @param file the file name used in error messages.
   * @param separator `'\t'`, `'|'`, `','` or `'::'`.
   * @param encoding how text fields are decoded: `latin1` (100k, 1m) or `utf8` (CSV).
   */
  constructor(
    bytes: Uint8Array,
    readonly file: string,
    separator: string,
    readonly encoding: 'latin1' | 'utf8',
  ) {
    this.bytes = bytes;
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.sep = separator.charCodeAt(0);
    this.sepLen = separator.length;
  }

  /** Continues with the next chunk of the same file (line numbers carry on). */
  reset(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.next = 0;
  }

  /** Moves to the next non-blank line. @returns false at the end of the bytes. */
  nextLine(): boolean {
    const b = this.bytes;
    const n = b.length;
    while (this.next < n) {
      const start = this.next;
      let end = this.buf.indexOf(NL, start);
      if (end < 0) end = n;
      this.next = end + 1;
      this.lineNo++;
      if (end - start > MAX_LINE) throw lineTooLong(this.file, this.lineNo, end - start);
      let stop = end;
      if (stop > start && b[stop - 1] === CR) stop--;
      if (stop === start) continue;
      this.lineStart = start;
      this.lineEnd = stop;
      this.pos = start;
      this.exhausted = false;
      this.fieldCount = 0;
      return true;
    }
    return false;
  }

  /** The current line as text (for error messages and headers). */
  line(): string {
    return this.buf.toString(this.encoding, this.lineStart, this.lineEnd);
  }

  /**
   * Reads a non-negative decimal integer field: ASCII digits only, 1 to 15 of them (exact in a double). Signs,
   * spaces, `0x3`, `1e3`, `3.0` and empty fields are refused.
   * @param expected what the error says was expected. @default 'a decimal integer (digits only)'
   * @throws DataError `malformed_line` when it is not one.
   */
  int(field: string, expected = 'a decimal integer (digits only)'): number {
    this.begin(field);
    const b = this.bytes;
    const start = this.pos;
    let i = start;
    let value = 0;
    while (i < this.lineEnd) {
      const d = b[i] - ZERO;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      i++;
    }
    if (i === start || i - start > MAX_INT_DIGITS || !this.atFieldEnd(i)) this.fail(field, expected, start);
    this.finish(i);
    return value;
  }

  /**
   * Reads a decimal integer field (as {@link int}) and checks `min ≤ value ≤ max`.
   * @param expected the rule, as the error states it, e.g. `'an integer rating from 1 to 5'`.
   * @throws DataError `malformed_line` naming the rule and the value.
   */
  intIn(field: string, min: number, max: number, expected: string): number {
    const value = this.int(field, expected);
    if (value < min || value > max) this.fail(field, expected);
    return value;
  }

  /**
   * Reads an id field: a positive decimal integer that fits an Int32Array (1 to {@link MAX_ID}); a larger value is
   * refused rather than wrapped (`4294967297` never becomes 1).
   * @throws DataError `malformed_line`.
   */
  id(field: string): number {
    return this.intIn(field, 1, MAX_ID_LOCAL, ID_RULE);
  }

  /**
   * Reads a decimal number field: digits, optionally a dot and more digits (`4`, `3.5`, `4.0`). Signs, exponents,
   * spaces, a bare dot and empty fields are refused.
   * @param expected what the error says was expected. @default 'a decimal number'
   * @throws DataError `malformed_line` when it is not one.
   */
  number(field: string, expected = 'a decimal number'): number {
    this.begin(field);
    const b = this.bytes;
    const start = this.pos;
    let i = start;
    let value = 0;
    while (i < this.lineEnd) {
      const d = b[i] - ZERO;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      i++;
    }
    let ok = i > start && i - start <= MAX_INT_DIGITS;
    if (ok && i < this.lineEnd && b[i] === DOT) {
      i++;
      let scale = 1;
      let frac = 0;
      const fracStart = i;
      while (i < this.lineEnd) {
        const d = b[i] - ZERO;
        if (d < 0 || d > 9) break;
        frac = frac * 10 + d;
        scale *= 10;
        i++;
      }
      ok = i > fracStart && i - fracStart <= MAX_INT_DIGITS;
      value += frac / scale;
    }
    if (!ok || !this.atFieldEnd(i)) this.fail(field, expected, start);
    this.finish(i);
    return value;
  }

  /** Reads a text field up to the next separator. */
  text(field: string): string {
    this.begin(field);
    const end = this.fieldEnd(this.pos);
    const s = this.buf.toString(this.encoding, this.pos, end);
    this.finish(end);
    return s;
  }

  /** Reads a CSV field that may be double-quoted (`"American President, The (1995)"`, `""` inside quotes is `"`). */
  csvText(field: string): string {
    this.begin(field);
    const b = this.bytes;
    if (this.pos >= this.lineEnd || b[this.pos] !== QUOTE) return this.textUnchecked();
    const start = this.pos;
    let i = start + 1;
    let out = '';
    let segment = i;
    for (;;) {
      if (i >= this.lineEnd) this.fail(field, 'a closing double quote', start);
      if (b[i] === QUOTE) {
        if (i + 1 < this.lineEnd && b[i + 1] === QUOTE) {
          out += this.buf.toString(this.encoding, segment, i + 1);
          i += 2;
          segment = i;
          continue;
        }
        out += this.buf.toString(this.encoding, segment, i);
        i++;
        break;
      }
      i++;
    }
    if (!this.atFieldEnd(i)) this.fail(field, 'a separator after the closing quote', start);
    this.finish(i);
    return out;
  }

  /** Skips one field. */
  skip(field: string): void {
    this.begin(field);
    this.finish(this.fieldEnd(this.pos));
  }

  /** Checks that the line has no more fields. @throws DataError naming the expected field count. */
  end(): void {
    if (!this.exhausted) {
      throw new DataError(
        'malformed_line',
        `${this.file}:${this.lineNo}: expected ${this.fieldCount} fields, but the line has more: ${JSON.stringify(this.line())}. ` +
          `Fix or remove the line.`,
      );
    }
  }

  /**
   * Throws a {@link DataError} (`malformed_line`) for `field` on the current line.
   * @param at where the offending field starts (default: the last field read), or the offending value itself.
   */
  fail(field: string, expected: string, at: number | string = this.fieldStart): never {
    const got =
      typeof at === 'string' ? at : at >= this.lineEnd ? '' : this.buf.toString(this.encoding, at, this.fieldEnd(at));
    throw new DataError(
      'malformed_line',
      `${this.file}:${this.lineNo}: field ${field}: expected ${expected}, but got ${JSON.stringify(got)} ` +
        `in line ${JSON.stringify(this.line())}. Fix or remove the line.`,
    );
  }

  private textUnchecked(): string {
    const end = this.fieldEnd(this.pos);
    const s = this.buf.toString(this.encoding, this.pos, end);
    this.finish(end);
    return s;
  }

  private begin(field: string): void {
    this.fieldStart = this.pos;
    if (this.exhausted) {
      throw new DataError(
        'malformed_line',
        `${this.file}:${this.lineNo}: field ${field}: expected field ${this.fieldCount + 1}, but the line has only ` +
          `${this.fieldCount}: ${JSON.stringify(this.line())}. Fix or remove the line.`,
      );
    }
  }

  private atFieldEnd(i: number): boolean {
    return i === this.lineEnd || this.isSep(i);
  }

  private isSep(i: number): boolean {
    const b = this.bytes;
    if (b[i] !== this.sep) return false;
    return this.sepLen === 1 || (i + 1 < this.lineEnd && b[i + 1] === this.sep);
  }

  private fieldEnd(from: number): number {
    let i = from;
    while (i < this.lineEnd && !this.isSep(i)) i++;
    return i;
  }

  private finish(i: number): void {
    this.fieldCount++;
    if (i >= this.lineEnd) {
      this.exhausted = true;
      this.pos = this.lineEnd;
    } else {
      this.pos = i + this.sepLen;
    }
  }
}

