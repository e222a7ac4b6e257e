import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataError } from '../errors';

/**
 * The bytes of one data file: either already in memory (`bytes`, e.g. unzipped from an archive) or on disk
 * (`path`, read in chunks so that a multi-gigabyte `ratings.csv` never sits in memory whole).
 * `name` is what error messages call the file.
 */
export interface ByteInput {
  /** How errors name the file, e.g. `/data/ml-100k/u.data` or `ml-100k.zip!ml-100k/u.data`. */
  readonly name: string;
  /** The whole file in memory. */
  readonly bytes?: Uint8Array;
  /** A file on disk. */
  readonly path?: string;
}

/** Files up to this size are read in one piece; larger ones in chunks of this size (bytes). */
export const CHUNK_BYTES = 32 * 1024 * 1024;

/**
 * The longest line a MovieLens reader accepts, in bytes (1 MiB; real lines are under 1 KB). A longer line is a
 * DataError `line_too_long`, so that a file without newlines fails after reading at most one chunk instead of
 * growing a buffer to the file's size.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/**
 * The `line_too_long` error for line `lineNo` of `file`, which has at least `bytes` bytes.
 * @param file how the error names the file.
 * @param lineNo the 1-based line number.
 * @param bytes the line's length, or a lower bound of it (more than {@link MAX_LINE_BYTES}).
 */
export function lineTooLong(file: string, lineNo: number, bytes: number): DataError {
  return new DataError(
    'line_too_long',
    `${file}:${lineNo}: expected lines of at most ${MAX_LINE_BYTES.toLocaleString('en-US')} bytes, but this line has at ` +
      `least ${bytes.toLocaleString('en-US')} bytes. Check that this is a MovieLens file with newline-separated lines.`,
  );
}

/**
 * Calls `onChunk` with consecutive pieces of the file that each end at a line boundary (after a `\n`, or at the
 * end of the file). The piece is a view into a reused buffer: copy anything kept beyond the call. Memory stays
 * bounded by `chunkBytes` plus {@link MAX_LINE_BYTES}: a longer line is refused before the buffer grows past it.
 *
 * @param input the file.
 * @param onChunk receives each piece and the total file size in bytes (for capacity estimates).
 * @param chunkBytes read size in bytes. @default CHUNK_BYTES
 * @throws DataError `line_too_long` naming the file and the line number.
 */
export function forEachLineChunk(
  input: ByteInput,
  onChunk: (bytes: Uint8Array, totalBytes: number) => void,
  chunkBytes: number = CHUNK_BYTES,
): void {
  if (input.bytes) {
    onChunk(input.bytes, input.bytes.length);
    return;
  }
  const fd = openSync(input.path as string, 'r');
  try {
    const total = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(Math.max(1, Math.min(chunkBytes, total)));
    let carry = 0;
    let offset = 0; // file offset of buf[0]
    for (;;) {
      if (carry === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const n = readSync(fd, buf, carry, buf.length - carry, null);
      const filled = carry + n;
      if (n === 0) {
        if (filled > 0) onChunk(buf.subarray(0, filled), total);
        return;
      }
      const lastNewline = buf.lastIndexOf(10, filled - 1);
      const tail = filled - lastNewline - 1; // bytes of the unfinished last line
      if (tail > MAX_LINE_BYTES) throw lineTooLong(input.name, lineNumberAt(fd, offset + lastNewline + 1), tail);
      if (lastNewline < 0) {
        carry = filled;
        continue;
      }
      onChunk(buf.subarray(0, lastNewline + 1), total);
      buf.copy(buf, 0, lastNewline + 1, filled);
      carry = tail;
      offset += lastNewline + 1;
    }
  } finally {
    closeSync(fd);
  }
}

/** The 1-based number of the line starting at byte `at` of the file (counts newlines before it; error path only). */
function lineNumberAt(fd: number, at: number): number {
  const buf = Buffer.allocUnsafe(Math.min(at, 1 << 20) || 1);
  let lines = 1;
  for (let pos = 0; pos < at; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, at - pos), pos);
    if (n === 0) break;
    for (let i = buf.indexOf(10, 0); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) lines++;
    pos += n;
  }
  return lines;
}
