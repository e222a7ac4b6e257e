import { DataError } from '../errors';

const NL = 10;
const CR = 13;
const QUOTE = 34;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;

/**
 * Parses delimited text straight from bytes, one field at a time, without splitting the file into strings.
 * Numbers are decoded from the bytes; only text fields become strings (in the file's encoding).
 * Blank lines are skipped; a trailing `\r` (CRLF files) is ignored. Every error is a {@link DataError}
 * (`malformed_line`) naming the file, the 1-based line number and the field.
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

  /** Reads a (possibly negative) decimal integer field. @throws DataError when it is not one. */
  int(field: string): number {
    this.begin(field);
    const b = this.bytes;
    const start = this.pos;
    let i = start;
    let negative = false;
    if (i < this.lineEnd && b[i] === MINUS) {
      negative = true;
      i++;
    }
    let value = 0;
    const digitsStart = i;
    while (i < this.lineEnd) {
      const d = b[i] - ZERO;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      i++;
    }
    if (i === digitsStart || !this.atFieldEnd(i)) this.fail(field, 'an integer', start);
    this.finish(i);
    return negative ? -value : value;
  }

  /** Reads a decimal number field (`4`, `3.5`, `-1e3`). @throws DataError when it is not a finite number. */
  number(field: string): number {
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
    if (i > start && i < this.lineEnd && b[i] === DOT) {
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
      if (i === fracStart) i = -1;
      else value += frac / scale;
    }
    if (i > start && this.atFieldEnd(i)) {
      this.finish(i);
      return value;
    }
    // Rare forms (sign, exponent): fall back to the string parser.
    const end = this.fieldEnd(start);
    const text = this.buf.toString('latin1', start, end);
    const parsed = text.trim() === '' ? NaN : Number(text);
    if (!Number.isFinite(parsed)) this.fail(field, 'a number', start);
    this.finish(end);
    return parsed;
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
