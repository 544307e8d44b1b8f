/**
 * Typechecks the ```ts code blocks of every README against the workspace packages (resolved from source),
 * each block as a module of its own, so that a README example never drifts from the API.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from './bundle.js';

/** A code block: where it is and its text. */
export interface CodeBlock {
  readonly file: string;
  /** 1-based line of the block's first code line in the README. */
  readonly line: number;
  readonly code: string;
}

/** The READMEs checked: the root's, every package's and app's. */
export function readmes(): string[] {
  const out = [join(ROOT, 'README.md')];
  for (const dir of ['packages', 'apps']) {
    for (const name of readdirSync(join(ROOT, dir)).sort()) {
      const f = join(ROOT, dir, name, 'README.md');
      if (existsSync(f)) out.push(f);
    }
  }
  return out;
}

/** The ```ts / ```typescript blocks of a markdown file. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    blocks.push({ file, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** Compiles the blocks; returns one message per error (`README.md:12: ...`). */
export function typecheckBlocks(blocks: readonly CodeBlock[]): string[] {
  const base = join(ROOT, 'tooling', 'checks');
  const configPath = join(base, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, base);
  const virtual = new Map<string, { block: CodeBlock; text: string }>();
  blocks.forEach((block, i) => {
    const name = relative(ROOT, block.file).replace(/[/\\.]/g, '_');
    virtual.set(join(base, 'readme-blocks', `${name}_${i}.ts`), { block, text: `${block.code}\nexport {};\n` });
  });
  const host = ts.createCompilerHost(parsed.options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f)?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const v = virtual.get(f);
    return v ? ts.createSourceFile(f, v.text, lang, true) : getSourceFile.call(host, f, lang, onError, create);
  };
  const program = ts.createProgram({ rootNames: [...virtual.keys()], options: { ...parsed.options, noEmit: true }, host });
  const messages: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const v = d.file ? virtual.get(d.file.fileName) : undefined;
    if (v && d.start !== undefined) {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
      messages.push(`${relative(ROOT, v.block.file)}:${v.block.line + line}: ${text}`);
    } else {
      messages.push(`${d.file ? relative(ROOT, d.file.fileName) : ''}: ${text}`);
    }
  }
  return messages;
}
