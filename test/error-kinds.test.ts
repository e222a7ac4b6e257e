// Pins the error kinds (src/error-kinds.ts): each error class's `kind` is a union of string literals, so a typo
// or a kind of another class fails to compile; each kind has its one documented line and is thrown somewhere;
// and ConfigError (construction-time options) and InputError (per-call values) share no kind, so one rule raises
// one class everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..');
const KINDS_FILE = join(ROOT, 'src', 'error-kinds.ts');
const CLASSES = ['ConfigError', 'InputError', 'ShardingError', 'DataError', 'CheckpointError'] as const;

/** The kinds of each `<Class>Kind` union in src/error-kinds.ts and the TSDoc above it. */
function readUnions(): Map<string, { kinds: string[]; doc: string }> {
  const source = ts.createSourceFile(KINDS_FILE, readFileSync(KINDS_FILE, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, { kinds: string[]; doc: string }>();
  for (const s of source.statements) {
    if (!ts.isTypeAliasDeclaration(s)) continue;
    const members = ts.isUnionTypeNode(s.type) ? s.type.types : [s.type];
    const kinds = members.map((m) => (ts.isLiteralTypeNode(m) && ts.isStringLiteral(m.literal) ? m.literal.text : `<not a string literal: ${m.getText()}>`));
    const doc = ts.getJSDocCommentsAndTags(s).map((d) => d.getText()).join('\n');
    out.set(s.name.text, { kinds, doc });
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('a kind that is not in its class union fails to type-check; a listed one compiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'error-kinds-'));
  try {
    const probe = join(dir, 'probe.ts');
    const lines = [
      `import { CheckpointError, ConfigError, DataError, InputError, ShardingError } from ${JSON.stringify(join(ROOT, 'src', 'errors'))};`,
      "new ConfigError('invalid_option', 'a listed kind');",
      "new ConfigError('typo_kind', 'a typo');",
      "new InputError('invalid_option', 'a ConfigError kind on an InputError');",
      "new CheckpointError('not_a_kind', 'x');",
      "new DataError('not_a_kind', 'x');",
      "new ShardingError('not_a_kind', 'x');",
      "const k: ConfigError['kind'] = 'unsupported_option';",
      "const i: InputError['kind'] = 'batch_not_divisible';",
      'export { k, i };',
    ];
    writeFileSync(probe, lines.join('\n'));
    const program = ts.createProgram([probe], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, skipLibCheck: true, types: [] });
    const bad = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === probe.replace(/\\/g, '/') || d.file?.fileName === probe)
      .map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1);
    assert.deepEqual([...new Set(bad)].sort((a, b) => a - b), [3, 4, 5, 6, 7], 'expected type errors on the lines with unlisted kinds only');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every error class has a kind union, each kind documented in one line of its TSDoc', () => {
  const unions = readUnions();
  for (const c of CLASSES) {
    const u = unions.get(`${c}Kind`);
    assert.ok(u, `src/error-kinds.ts has no ${c}Kind union`);
    assert.ok(u.kinds.length > 0);
    for (const k of u.kinds) {
      assert.match(k, /^[a-z][a-z0-9_]*$/, `${c}Kind member ${k} is not a snake_case string literal`);
      assert.match(u.doc, new RegExp(`^ \\* - \`${k}\`: \\S`, 'm'), `${c}Kind: kind '${k}' has no '- \`${k}\`: …' line in its TSDoc`);
    }
    assert.equal(new Set(u.kinds).size, u.kinds.length, `${c}Kind lists a kind twice`);
  }
});

test('ConfigError and InputError share no kind: one rule, one class', () => {
  const unions = readUnions();
  const config = new Set(unions.get('ConfigErrorKind')!.kinds);
  const shared = unions.get('InputErrorKind')!.kinds.filter((k) => config.has(k));
  assert.deepEqual(shared, [], `kinds raised both as ConfigError and as InputError: ${shared.join(', ')}`);
});

test('every listed kind is raised somewhere in src/ or scripts/ (no stale kinds)', () => {
  const unions = readUnions();
  const sources = [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'scripts'))]
    .filter((f) => f !== KINDS_FILE)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const stale = CLASSES.flatMap((c) => unions.get(`${c}Kind`)!.kinds.filter((k) => !sources.includes(`'${k}'`)).map((k) => `${c} ${k}`));
  assert.deepEqual(stale, [], `kinds listed in src/error-kinds.ts that nothing raises: ${stale.join(', ')}`);
});
