/**
 * npm run generate -- --out DIR [--messages N | --target-bytes 250m] [--format zip|mbox|folder]
 *                      [--attachment-every 10] [--attachment-max 1.5m] [--attachment-min 50k] [--seed S]
 *
 * Writes DIR/leak.zip (or leak.mbox, or the folder DIR/leak/), DIR/keys.jsonl and DIR/expected.json.
 */
import { parseArgs } from 'node:util';
import { parseByteSize } from './generator/byte-size.ts';
import { DEFAULTS, generateDump } from './generator/generate-dump.ts';
import { DUMP_FORMATS, type DumpFormat } from './generator/writers/dump-writer.ts';

const USAGE = `usage: npm run generate -- --out DIR [--messages N | --target-bytes SIZE] [--format zip|mbox|folder]
       [--attachment-every N] [--attachment-min SIZE] [--attachment-max SIZE] [--seed S]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      messages: { type: 'string' },
      format: { type: 'string', default: DEFAULTS.format },
      'attachment-every': { type: 'string' },
      'attachment-min': { type: 'string' },
      'attachment-max': { type: 'string' },
      'target-bytes': { type: 'string' },
      seed: { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(USAGE);
  if (!values.out) throw new UsageError('--out DIR is required');
  if (!DUMP_FORMATS.includes(values.format as DumpFormat)) throw new UsageError(`--format must be one of ${DUMP_FORMATS.join(', ')}`);

  const started = Date.now();
  let lastReport = started;
  const result = await generateDump({
    outDir: values.out,
    format: values.format as DumpFormat,
    messages: optionalInteger(values.messages, '--messages'),
    targetBytes: values['target-bytes'] === undefined ? undefined : parseByteSize(values['target-bytes']),
    attachmentEvery: optionalInteger(values['attachment-every'], '--attachment-every'),
    attachmentMinBytes: values['attachment-min'] === undefined ? undefined : parseByteSize(values['attachment-min']),
    attachmentMaxBytes: values['attachment-max'] === undefined ? undefined : parseByteSize(values['attachment-max']),
    seed: values.seed,
    name: values.name,
    onProgress: ({ messages, messageBytes }) => {
      if (!process.stderr.isTTY || Date.now() - lastReport < 1000) return;
      lastReport = Date.now();
      process.stderr.write(`\r  ${messages} messages, ${(messageBytes / 1e6).toFixed(0)} MB`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const { totals } = result;
  console.log(`wrote ${result.dumpPath} (${(result.dumpBytes / 1e6).toFixed(1)} MB on disk) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  ${totals.messages} messages (${(totals.messageBytes / 1e6).toFixed(1)} MB), ${totals.documents} documents, ${totals.skipped} skipped, ${totals.errors} errors`);
  console.log(`  ${Object.entries(totals.byVerdict).map(([verdict, count]) => `${verdict} ${count}`).join(', ')}`);
  console.log(`  keys: ${result.keysPath}`);
  console.log(`  expected verdicts: ${result.expectedPath}`);
}

class UsageError extends Error {}

function optionalInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} takes a whole number, not "${text}"`);
  return Number(text);
}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : error);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
