/** What an errno means, in the words an error message uses. */
const ERRNO_MEANINGS: Readonly<Record<string, string>> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'a directory is where a file is expected',
  ENOTDIR: 'a file is where a directory is expected',
  ENOENT: 'no such file or directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  ENAMETOOLONG: 'file name too long',
};

/**
 * Describes a failed filesystem call for an error message: what happened in words, the errno and the path,
 * e.g. `disk full (ENOSPC) at /ckpts/.tmp-ckpt-3-…/tables.safetensors`.
 *
 * @param e the error thrown by a `node:fs` call.
 * @param fallbackPath the path to name when the error carries none.
 * @returns the description.
 * @example
 * describeFileSystemError(e, file); // 'read-only file system (EROFS) at /mnt/ckpts/.ckpt-lock'
 */
export function describeFileSystemError(e: unknown, fallbackPath: string): string {
  const { code, path: at, message } = (e ?? {}) as { code?: string; path?: string; message?: string };
  const where = at ?? fallbackPath;
  if (code && ERRNO_MEANINGS[code]) return `${ERRNO_MEANINGS[code]} (${code}) at ${where}`;
  return `${message ?? String(e)} at ${where}`;
}

/**
 * The errno code of a failed filesystem call (`'ENOSPC'`, …), or undefined.
 *
 * @param e the error thrown by a `node:fs` call.
 * @returns the code.
 * @example
 * if (errnoCode(e) === 'ENOENT') return [];
 */
export function errnoCode(e: unknown): string | undefined {
  return (e as { code?: string } | null)?.code;
}
