import { Command, InvalidArgumentError, Option } from 'commander';
import type { IngestFlags } from './commands/ingest.ts';

// Each command's module is loaded when it runs: `ingest` need not carry the HTTP API's router and schemas
// (measured: ~20 MB of a run's peak memory).
const DEFAULT_PORT = 8080;

/**
 * The `leakproof` command: a thin host over the core and the local adapters. Every failure ends as one line
 * on stderr and a non-zero exit; a stack trace is printed only with LEAKPROOF_DEBUG set.
 */
const program = new Command('leakproof')
  .description('Tell, message by message, what DKIM proves in a leaked mailbox dump.')
  .configureOutput({ outputError: (text, write) => write(`leakproof: ${text.split('\n')[0]!.replace(/^error: /, '')} (see leakproof --help)\n`) })
  .exitOverride();

const homeOption = () => new Option('--home <dir>', 'store directory (default $LEAKPROOF_HOME or ./.leakproof)');
/** A deployed stack, read through its API instead of the local store: `--api URL` (or `--stack NAME`), authorised by a token or SigV4. */
const remoteOptions = (command: Command) =>
  command
    .option('--api <url>', "a deployed stack's API URL (ApiUrl with a token, ScriptApiUrl with SigV4): read the stack, not the local store")
    .option('--stack <name>', 'a deployed stack, by name: its API URL comes from its outputs')
    .option('--token <token>', 'bearer token (a JWT) for the API (default $LEAKPROOF_TOKEN; none: SigV4 with your AWS credentials)');

program
  .command('ingest')
  .description('split a dump, verify every message, store verdicts with evidence')
  .argument('<path>', 'a .eml file, a folder (of .eml files, maildir), an mbox or a zip')
  .option('--keys <file>', 'import DKIM keys (JSON lines) into the archive first')
  .option('--offline', 'never ask DNS: keys come from the archive only')
  .option('--workers <n>', 'verification threads (default: all cores)', positiveInteger)
  .option('--at <time>', 'verification time, ISO 8601 (default: now)', isoTime)
  .option('--json', 'print the summary as JSON')
  .addOption(homeOption())
  .action(async (path: string, flags: IngestFlags) => {
    // The verifying threads first: they load their code while this thread loads the command's (ingest-threads.ts).
    const threads = (await import('./commands/ingest-threads.ts')).startIngestThreads(flags);
    finish(await (await import('./commands/ingest.ts')).ingestCommand(path, flags, threads));
  });

program
  .command('keys')
  .description('manage the DKIM key archive')
  .command('import')
  .description('import keys: JSON lines {"domain","selector","value","firstSeenAt"?,"lastSeenAt"?,"source"?,"compromisedAt"?}')
  .argument('<file>')
  .addOption(homeOption())
  .action(async (file: string, flags) => finish(await (await import('./commands/keys.ts')).keysImportCommand(file, flags)));

program
  .command('reverify')
  .description('re-check stored verdicts that new or changed keys, or newer rules, affect (asks DNS for rotated keys unless --offline)')
  .option('--dump <id>', 'only this dump (id or prefix)')
  .option('--offline', 'never ask DNS: keys come from the archive only')
  .option('--json', 'print the outcome as JSON')
  .addOption(homeOption())
  .action(async (flags) => finish(await (await import('./commands/reverify.ts')).reverifyCommand(flags)));

remoteOptions(
  program
    .command('export')
    .description('one record per message, with verdict and evidence (--documents: per document and attachment, with provenance)')
    .option('--dump <id>', 'dump id or prefix (default: the latest)')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--documents', 'one record per document and per attachment, with provenance and evidence, instead of per message')
    .option('--verdict <verdict>', 'only messages with this verdict (as the listing filters)')
    .option('--reason <reason>', 'only messages with this reason')
    .option('--domain <domain>', 'only messages with a signature by this d= domain')
    .option('--from <sender>', 'only messages from this address or domain')
    .option('--after <date>', 'only messages whose Date is at or after this (2017-05-01, or a time with its zone)')
    .option('--before <date>', 'only messages whose Date is before this')
    .option('--output <file>', 'write to a file instead of stdout')
    .addOption(homeOption()),
).action(async (flags) => finish(await (await import('./commands/report.ts')).exportCommand(flags)));

remoteOptions(
  program
    .command('summary')
    .description('counts by verdict and reason, documents by provenance, top signing domains, skipped, errors')
    .option('--dump <id>', 'dump id or prefix (default: the latest)')
    .option('--json', 'print JSON')
    .addOption(homeOption()),
).action(async (flags) => finish(await (await import('./commands/report.ts')).summaryCommand(flags)));

program
  .command('show')
  .description('one message as evidence: verdict in plain words, header fields signed or not, the unsigned tail, keys, attachments, copies')
  .argument('<message>', 'its locator (as `export` lists it: inbox/1.eml, box.mbox#1234) or its message key (as the API and page use)')
  .option('--dump <id>', 'dump id or prefix (default: the latest)')
  .option('--json', 'print JSON: the stored record, the view and the copies')
  .addOption(homeOption())
  .action(async (message: string, flags) => finish(await (await import('./commands/show.ts')).showCommand(message, flags)));

program
  .command('upload')
  .description("send a dump to a deployed stack's bucket (parallel checksummed parts, resumable), follow it until verified, print its summary")
  .argument('<file>', 'a zip or an mbox')
  .option('--stack <name>', 'the deployed stack: its bucket and API URL come from its outputs')
  .option('--bucket <bucket>', "the stack's DumpsBucket (instead of --stack)")
  .option('--api <url>', "the stack's API URL, with --bucket (ApiUrl with a token, ScriptApiUrl with SigV4)")
  .option('--token <token>', 'bearer token (a JWT) for the API (default $LEAKPROOF_TOKEN; none: SigV4 with your AWS credentials)')
  .option('--no-wait', 'return once the upload is complete, printing the dump id')
  .option('--json', 'print the summary as JSON')
  .addOption(new Option('--home <dir>', 'where an unfinished upload is remembered, in uploads/ (default $LEAKPROOF_HOME or ./.leakproof)'))
  .addOption(new Option('--part-size <bytes>', 'bytes per part (tests; S3 refuses parts under 5 MiB)').argParser(positiveInteger).hideHelp())
  .addOption(new Option('--poll-interval <ms>', 'milliseconds between looks at the dump (tests)').argParser(positiveInteger).hideHelp())
  .action(async (file: string, flags) => finish(await (await import('./commands/upload.ts')).uploadCommand(file, flags)));

program
  .command('serve')
  .description('serve the report page and the HTTP API over the local store, on 127.0.0.1 only')
  .option('--port <n>', `port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)`, portNumber)
  .option('--token <token>', 'bearer token every API request must carry (default $LEAKPROOF_TOKEN; else a new one, printed with the address to open)')
  .option('--offline', 're-verification never asks DNS: keys come from the archive only')
  .addOption(homeOption())
  .action(async (flags) => finish(await (await import('./commands/serve.ts')).serveCommand({ ...flags, port: flags.port ?? DEFAULT_PORT })));

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

function isoTime(value: string): Date {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new InvalidArgumentError('expected a time like 2017-05-05T12:00:00Z');
  return time;
}

function finish(code: number): void {
  process.exitCode = code;
}

// `leakproof export | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const commanderError = error as { code?: string; exitCode?: number };
  if (commanderError.code?.startsWith('commander.')) {
    process.exitCode = commanderError.exitCode ?? 2;
  } else {
    if (process.env.LEAKPROOF_DEBUG) console.error(error);
    process.stderr.write(`leakproof: ${(error as Error).message.split('\n')[0]}\n`);
    process.exitCode = 1;
  }
}
