// Generates the configuration reference in docs/configuration.md from the config schema
// (`npm run docs:config`); test/config-reference.test.ts fails when it is out of date.
import path from 'node:path';
import { formats } from '../src/config-formats.js';
import { flagOf, schemaEntries, type SchemaEntry } from '../src/config-schema.js';
import { cell, code, extractSection as extractNamed, replaceSection as replaceNamed, runDocsScript } from './generated-section.js';

const SECTION = 'config-reference';
/** The file holding the generated reference between the markers. */
export const REFERENCE_PATH = path.resolve(import.meta.dirname, '..', 'docs', 'configuration.md');

/** Prose for a cell: `<env>` would otherwise be taken for an HTML tag and vanish. */
function prose(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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
    prose(entry.formerly === undefined ? entry.doc
      : `${entry.doc} Formerly ${entry.formerly.key} (${entry.formerly.env}, ${flagOf(entry.formerly.key)}): still accepted, with a warning at start-up.`),
  ].map(cell));
  return [
    '| Key | Env var | CLI flag | Default | Allowed | Description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/** The text between the markers, or undefined when the file has no (well-ordered) markers. */
export function extractSection(doc: string): string | undefined {
  return extractNamed(doc, SECTION);
}

/** The document's text with the section between the markers replaced by `table`. */
export function replaceSection(doc: string, table: string): string {
  return replaceNamed(doc, SECTION, table, path.relative(process.cwd(), REFERENCE_PATH));
}

runDocsScript(import.meta.url, REFERENCE_PATH, SECTION, renderConfigReference);
