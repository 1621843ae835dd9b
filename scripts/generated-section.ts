// A generated section of a markdown file: the text between `<!-- NAME:start -->` and
// `<!-- NAME:end -->`, rewritten by a docs script (config-reference.ts, data-reference.ts) and
// compared by a test that fails when the file is out of date.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A table cell: pipes would end the cell and newlines the row. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code. */
export function code(text: string): string {
  return `\`${text}\``;
}

/** The two markers around section `name`. */
export function markersOf(name: string): { start: string; end: string } {
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/** The text between section `name`'s markers, or undefined when the file has no (well-ordered) markers. */
export function extractSection(doc: string, name: string): string | undefined {
  const { start: startMarker, end: endMarker } = markersOf(name);
  const start = doc.indexOf(startMarker);
  const end = doc.indexOf(endMarker);
  if (start === -1 || end === -1 || end < start) return undefined;
  return doc.slice(start + startMarker.length, end);
}

/** The document's text with section `name` replaced by `text`; throws when the markers are missing. */
export function replaceSection(doc: string, name: string, text: string, file = 'the document'): string {
  const { start: startMarker, end: endMarker } = markersOf(name);
  if (extractSection(doc, name) === undefined) {
    throw new Error(`${file} has no ${startMarker} ... ${endMarker} section to replace`);
  }
  const start = doc.indexOf(startMarker) + startMarker.length;
  const end = doc.indexOf(endMarker);
  return `${doc.slice(0, start)}\n${text}\n${doc.slice(end)}`;
}

/**
 * The command-line side of a docs script: prints `text`, or with --write rewrites section `name`
 * of `file` with it. Runs only when `moduleUrl` is the script started, not when a test imports it.
 */
export function runDocsScript(moduleUrl: string, file: string, name: string, render: () => string): void {
  if (process.argv[1] === undefined || realpathSync(process.argv[1]) !== realpathSync(fileURLToPath(moduleUrl))) return;
  const label = path.relative(process.cwd(), file);
  try {
    const text = render();
    if (!process.argv.slice(2).includes('--write')) {
      process.stdout.write(`${text}\n`);
      return;
    }
    const doc = readFileSync(file, 'utf8');
    const updated = replaceSection(doc, name, text, label);
    if (updated === doc) {
      process.stdout.write(`${label}: ${name} already up to date\n`);
      return;
    }
    writeFileSync(file, updated);
    process.stdout.write(`${label}: ${name} updated\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
