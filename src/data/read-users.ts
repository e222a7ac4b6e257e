import { DataError } from '../errors';
import { forEachLineChunk, type ByteInput } from './byte-input';
import { IdIndex } from './id-index';
import { AGE_BUCKETS, bucketizeAge, OCCUPATION_100K_TO_LABEL, OCCUPATION_LABELS, OCCUPATIONS_1M } from './labels';
import { LineScanner } from './line-scanner';
import { MAX_AGE, MIN_AGE } from './value-rules';
import type { UsersTable } from './movielens-tables';

const LABEL_INDEX = new Map<string, number>(OCCUPATION_LABELS.map((l, i) => [l, i]));

/**
 * Reads a users file (latin-1) into a {@link UsersTable} with TFDS's demographic features:
 * 100k `u.user` (`id|age|gender|occupation|zip`; age bucketized as TFDS does, raw age kept) or 1m `users.dat`
 * (`id::gender::age::occupation code::zip`; the age is already a bucket).
 *
 * @param input the file.
 * @param format `100k` or `1m`.
 * @returns the users table.
 * Ids must be 1 to 2^31−1 and 100k ages 1 to 120 years (decimal digits only).
 *
 * @throws DataError `malformed_line` (file, line, field, rule, value), `duplicate_id` or `line_too_long`.
 * @example
 * const users = readUsers({ name: 'u.user', path: '/data/ml-100k/u.user' }, '100k');
 */
export function readUsers(input: ByteInput, format: '100k' | '1m'): UsersTable {
  const ids: number[] = [];
  const gender: number[] = [];
  const bucket: number[] = [];
  const raw: number[] = [];
  const label: number[] = [];
  const text: string[] = [];
  const zip: string[] = [];
  let scanner: LineScanner | null = null;
  forEachLineChunk(input, (bytes) => {
    if (scanner) scanner.reset(bytes);
    else scanner = new LineScanner(bytes, input.name, format === '100k' ? '|' : '::', 'latin1');
    const s: LineScanner = scanner;
    while (s.nextLine()) {
      ids.push(s.id('user_id'));
      if (format === '100k') {
        const age = s.intIn('user_age', MIN_AGE, MAX_AGE, `an age in years from ${MIN_AGE} to ${MAX_AGE}`);
        raw.push(age);
        bucket.push(bucketizeAge(age));
        gender.push(readGender(s));
        const occupation = s.text('user_occupation');
        const mapped = OCCUPATION_100K_TO_LABEL[occupation];
        if (mapped === undefined || !Object.hasOwn(OCCUPATION_100K_TO_LABEL, occupation)) {
          s.fail('user_occupation', `one of ${Object.keys(OCCUPATION_100K_TO_LABEL).join(', ')}`);
        }
        label.push(LABEL_INDEX.get(mapped) as number);
        text.push(occupation);
      } else {
        gender.push(readGender(s));
        const age = s.int('user_age');
        if (!(AGE_BUCKETS as readonly number[]).includes(age)) s.fail('user_age', `an age bucket (${AGE_BUCKETS.join(', ')})`);
        bucket.push(age);
        const code = s.int('user_occupation');
        if (code < 0 || code >= OCCUPATIONS_1M.length) s.fail('user_occupation', `an occupation code 0-${OCCUPATIONS_1M.length - 1}`);
        const occupation = OCCUPATIONS_1M[code];
        const mapped = occupation === 'K-12 student' || occupation === 'college/grad student' ? 'student' : occupation;
        label.push(LABEL_INDEX.get(mapped) as number);
        text.push(occupation);
      }
      zip.push(s.text('user_zip_code'));
      s.end();
    }
  });
  const userIds = Int32Array.from(ids);
  const index = new IdIndex(userIds, (row) => {
    throw new DataError(
      'duplicate_id',
      `${input.name}: user_id ${userIds[row]} appears twice (row ${row + 1}); expected each user once. Fix the file.`,
    );
  });
  return {
    length: userIds.length,
    user_id: userIds,
    user_gender: Uint8Array.from(gender),
    bucketized_user_age: Float32Array.from(bucket),
    raw_user_age: format === '100k' ? Float32Array.from(raw) : null,
    user_occupation_label: Uint8Array.from(label),
    user_occupation_text: text,
    user_zip_code: zip,
    index,
  };
}

function readGender(s: LineScanner): number {
  const g = s.text('user_gender');
  if (g === 'M') return 1;
  if (g === 'F') return 0;
  return s.fail('user_gender', 'M or F');
}
