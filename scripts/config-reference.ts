// Generates the configuration reference in docs/configuration.md from the config schema
// (`npm run docs:config`); test/config-reference.test.ts fails when it is out of date.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formats } from '../src/config-formats.js';
import { flagOf, schemaEntries, type SchemaEntry } from '../src/config-schema.js';

export const START_MARKER = '<!-- config-reference:start -->';
export const END_MARKER = '<!-- config-reference:end -->';
/** The file holding the generated reference between the markers. */
export const REFERENCE_PATH = path.resolve(import.meta.dirname, '..', 'docs', 'configuration.md');

/** A table cell: pipes would end the cell and newlines the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Prose for a cell: `<env>` would otherwise be taken for an HTML tag and vanish. */
function prose(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function code(text: string): string {
  return `\`${text}\``;
}

/** A default as a user would type it; a secret's default is shown only when it is empty. */
function defaultText(entry: SchemaEntry): string {
  const value = entry.default;
  if (value === '' || (Array.isArray(value) && value.length === 0)) return '(empty)';
  if (entry.sensitive === true) return '(hidden)';
  return code(Array.isArray(value) ? value.join(',') : String(value));
}

/** The markdown table of every config key, in schema order. */
export function renderConfigReference(): string {
  const rows = schemaEntries().map(([key, entry]) => [
    code(key),
    entry.env === undefined ? '' : code(entry.env),
    code(flagOf(key)),
    defaultText(entry),
    prose(formats[entry.format].allowed(entry)),
    prose(entry.doc),
  ].map(cell));
  return [
    '| Key | Env var | CLI flag | Default | Allowed | Description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/** The text between the markers, or undefined when the file has no (well-ordered) markers. */
export function extractSection(doc: string): string | undefined {
  const start = doc.indexOf(START_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (start === -1 || end === -1 || end < start) return undefined;
  return doc.slice(start + START_MARKER.length, end);
}

/** The document's text with the section between the markers replaced by `table`. */
export function replaceSection(doc: string, table: string): string {
  if (extractSection(doc) === undefined) {
    throw new Error(`${path.relative(process.cwd(), REFERENCE_PATH)} has no ${START_MARKER} ... ${END_MARKER} section to replace`);
  }
  const start = doc.indexOf(START_MARKER) + START_MARKER.length;
  const end = doc.indexOf(END_MARKER);
  return `${doc.slice(0, start)}\n${table}\n${doc.slice(end)}`;
}

function main(argv: string[]): void {
  const table = renderConfigReference();
  if (!argv.includes('--write')) {
    process.stdout.write(`${table}\n`);
    return;
  }
  const doc = readFileSync(REFERENCE_PATH, 'utf8');
  const updated = replaceSection(doc, table);
  if (updated === doc) {
    process.stdout.write(`${path.relative(process.cwd(), REFERENCE_PATH)}: configuration reference already up to date\n`);
    return;
  }
  writeFileSync(REFERENCE_PATH, updated);
  process.stdout.write(`${path.relative(process.cwd(), REFERENCE_PATH)}: configuration reference updated\n`);
}

// Run only as a script, not when a test imports the functions above.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
