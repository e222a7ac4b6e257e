import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

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
 * Calls `onChunk` with consecutive pieces of the file that each end at a line boundary (after a `\n`, or at the
 * end of the file). The piece is a view into a reused buffer: copy anything kept beyond the call.
 *
 * @param input the file.
 * @param onChunk receives each piece and the total file size in bytes (for capacity estimates).
 * @param chunkBytes read size in bytes. @default CHUNK_BYTES
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
      if (lastNewline < 0) {
        carry = filled;
        continue;
      }
      onChunk(buf.subarray(0, lastNewline + 1), total);
      buf.copy(buf, 0, lastNewline + 1, filled);
      carry = filled - lastNewline - 1;
    }
  } finally {
    closeSync(fd);
  }
}
