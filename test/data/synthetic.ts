// Small synthetic MovieLens folders written to a temp dir (never real data). Shared by the loader tests.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp directory. */
export function tempDir(prefix = 'movielens-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes files (text encoded as given) into `dir/folder`; returns that folder. */
export function writeFolder(dir: string, folder: string, files: Record<string, string | Buffer>, encoding: BufferEncoding = 'utf8'): string {
  const out = join(dir, folder);
  mkdirSync(out, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(out, name), typeof content === 'string' ? Buffer.from(content, encoding) : content);
  }
  return out;
}

// 19 genre flags in u.item order: unknown, Action, Adventure, Animation, Children's, Comedy, Crime, Documentary,
// Drama, Fantasy, Film-Noir, Horror, Musical, Mystery, Romance, Sci-Fi, Thriller, War, Western.
const flags = (...on: number[]): string => Array.from({ length: 19 }, (_, i) => (on.includes(i) ? '1' : '0')).join('|');

/** ml-100k files (latin-1): 3 movies, 3 users, 5 ratings. */
export const ML_100K = {
  'u.item':
    `1|Toy Story (1995)|01-Jan-1995||http://x|${flags(3, 4, 5)}\n` +
    `543|Misérables, Les (1995)|01-Jan-1995||http://x|${flags(8)}\n` +
    `267|unknown|||http://x|${flags(0)}\n`,
  'u.user': '1|24|M|technician|85711\n2|17|F|none|T8H1N\n3|56|M|salesman|00000\n',
  'u.data': '1\t1\t5\t874965758\n2\t543\t3\t876893171\n3\t267\t1\t878542960\n1\t543\t4\t876893119\n2\t1\t2\t889751712\n',
  'u1.base': '1\t1\t5\t874965758\n2\t543\t3\t876893171\n3\t267\t1\t878542960\n',
  'u1.test': '1\t543\t4\t876893119\n2\t1\t2\t889751712\n',
};

/** ml-1m files (latin-1, `::`): "Children's" genre, occupation codes 4 (college/grad student) and 12. */
export const ML_1M = {
  'movies.dat': "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Café Society (1995)::Drama\n",
  'users.dat': '1::F::1::10::48067\n2::M::56::12::70072\n3::M::25::4::55117\n',
  'ratings.dat': '1::1::5::978300760\n2::2::3::978302109\n3::1::4::978301968\n',
};

/** CSV files (UTF-8): quoted titles with commas and doubled quotes, "(no genres listed)", IMAX. */
export function csvFiles(eol: '\n' | '\r\n'): Record<string, string> {
  return {
    'movies.csv': [
      'movieId,title,genres',
      '1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy',
      '11,"American President, The (1995)",Comedy|Drama|Romance',
      '29,"City of Lost Children, The (Cité des enfants perdus, La) (1995)",Adventure|Drama',
      '99,"The ""Quoted"" Movie (2001)",IMAX',
      '208,Nothing (2019),(no genres listed)',
      '',
    ].join(eol),
    'ratings.csv': ['userId,movieId,rating,timestamp', '1,1,4.0,964982703', '1,11,3.5,964981247', '7,29,0.5,1147868817', '7,208,5,1500000000', ''].join(eol),
  };
}
