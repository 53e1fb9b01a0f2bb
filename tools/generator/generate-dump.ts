import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CASES, caseAt, caseStride } from './cases.ts';
import { createHash } from 'node:crypto';
import { composeMessage } from './compose-message.ts';
import { DocumentSet, unrelatedFiles, type LooseFile } from './document-set.ts';
import { ExpectedTally, renderExpected, type ExpectedDump, type ExpectedTotals } from './expected.ts';
import { createKeyring, publishedRecords } from './keyring.ts';
import { monthFolder } from './mail-dates.ts';
import { Planner } from './message-plan.ts';
import { createDirectory } from './organisations.ts';
import { createPrng } from './prng.ts';
import { sealMessage } from './seal-message.ts';
import { strayFiles } from './stray-files.ts';
import type { DumpFormat, DumpWriter } from './writers/dump-writer.ts';
import { createFolderWriter } from './writers/folder-writer.ts';
import { createMboxWriter } from './writers/mbox-writer.ts';
import { createZipWriter } from './writers/zip-writer.ts';

export interface GenerateOptions {
  /** Folder that receives the dump, keys.jsonl and expected.json (created if missing). */
  outDir: string;
  format?: DumpFormat;
  /** How many messages; ignored when targetBytes is given. Default 40. */
  messages?: number;
  /** Keep adding messages until their total size reaches this many bytes (the benchmark's ~250 MB / ~1 GB). */
  targetBytes?: number;
  /** One message in N carries an attachment; 0 for none. Default 10. */
  attachmentEvery?: number;
  /** Attachment sizes are drawn in [min, max] bytes (before base64). Defaults 50 KB and 1.5 MB. */
  attachmentMinBytes?: number;
  attachmentMaxBytes?: number;
  seed?: string;
  /** File name of the dump without extension. Default "leak". */
  name?: string;
  /** Called after each message. */
  onProgress?: (written: { messages: number; messageBytes: number }) => void;
}

export interface GenerateResult {
  dumpPath: string;
  keysPath: string;
  expectedPath: string;
  /** Size of the dump on disk (compressed, for a zip). */
  dumpBytes: number;
  totals: ExpectedTotals;
}

export const DEFAULTS = {
  format: 'zip' as DumpFormat,
  messages: 40,
  attachmentEvery: 10,
  attachmentMinBytes: 50 * 1024,
  attachmentMaxBytes: 1536 * 1024,
  seed: 'leakproof',
  name: 'leak',
};

/** The leak's period: the MacronLeaks mailboxes ran from early January to 5 May 2017. */
const PERIOD_START = Date.UTC(2017, 0, 3, 7, 0, 0);
const PERIOD_END = Date.UTC(2017, 4, 5, 16, 0, 0);
/** A message without attachment, headers and both text parts: roughly what the generator writes. */
const TYPICAL_MESSAGE_BYTES = 7_000;

/**
 * Writes a dump of signed mail with known tampering, plus keys.jsonl (the published keys) and expected.json
 * (the verdict every entry must get). One message is built, written and dropped at a time.
 */
export async function generateDump(options: GenerateOptions): Promise<GenerateResult> {
  const format = options.format ?? DEFAULTS.format;
  const seed = options.seed ?? DEFAULTS.seed;
  const name = options.name ?? DEFAULTS.name;
  const every = options.attachmentEvery ?? DEFAULTS.attachmentEvery;
  const maxAttachment = options.attachmentMaxBytes ?? DEFAULTS.attachmentMaxBytes;
  // A small maximum (the committed example's) without a minimum keeps sizes varied rather than pinned to it.
  const minAttachment =
    options.attachmentMinBytes !== undefined
      ? Math.min(options.attachmentMinBytes, maxAttachment)
      : Math.min(DEFAULTS.attachmentMinBytes, Math.floor(maxAttachment / 4));
  const planned = options.targetBytes === undefined ? (options.messages ?? DEFAULTS.messages) : null;
  const expectedCount = planned ?? estimateMessages(options.targetBytes!, every, minAttachment, maxAttachment);

  await mkdir(options.outDir, { recursive: true });
  const dumpPath = join(options.outDir, format === 'folder' ? name : `${name}.${format}`);
  await rm(dumpPath, { recursive: true, force: true });
  const writer = openWriter(format, dumpPath);

  const root = createPrng(seed);
  const directory = createDirectory(root.fork('directory'));
  const keyring = createKeyring();
  const planner = new Planner(directory, { start: new Date(PERIOD_START), gapMs: (PERIOD_END - PERIOD_START) / Math.max(1, expectedCount) });
  const stride = caseStride(expectedCount);
  const attachmentOffset = every > 0 ? root.int(0, every - 1) : 0;
  const strays = writer.holdsFiles ? strayFiles(root.fork('strays')) : [];
  const tally = new ExpectedTally();
  const documents = new DocumentSet();
  let lastReceivedAt = new Date(PERIOD_START);

  for (let index = 0; planned === null ? tally.totals.messageBytes < options.targetBytes! : index < planned; index++) {
    const prng = createPrng(`${seed}/message/${index}`);
    const attachmentSize =
      every > 0 && (index + attachmentOffset) % every === 0 ? createPrng(`${seed}/attachment/${index}`).int(minAttachment, maxAttachment) : null;
    const plan = planner.plan(index, caseAt(index, stride), prng, attachmentSize);
    // Real documents go to messages without a filler attachment, so the benchmark's payload schedule stays as it was.
    plan.attachment ??= await documents.attachmentFor(plan);
    const message = sealMessage(composeMessage(plan, prng), { plan, keyring, directory, prng });
    const location = await writer.addMessage(plan.path, message, plan.receivedAt, envelopeSender(message));
    const spec = CASES[plan.caseId];
    tally.add({
      ...location,
      kind: 'message',
      case: plan.caseId,
      verdict: spec.verdict,
      reasons: [...spec.reasons],
      messageId: plan.messageId,
      receivedAt: plan.receivedAt.toISOString(),
      bytes: message.length,
    });
    lastReceivedAt = plan.receivedAt;

    const around = await documents.after(plan, message);
    for (const copy of around.copies) {
      const written = await writer.addMessage(copy.path, copy.bytes, plan.receivedAt, envelopeSender(copy.bytes));
      const copySpec = CASES[copy.caseId];
      tally.add({
        ...written,
        kind: 'message',
        case: copy.caseId,
        verdict: copySpec.verdict,
        reasons: [...copySpec.reasons],
        messageId: plan.messageId,
        receivedAt: plan.receivedAt.toISOString(),
        bytes: copy.bytes.length,
        copyOf: { location, relation: copy.relation, description: copy.description },
      });
    }
    if (writer.holdsFiles) for (const file of around.loose) await addLooseFile(writer, tally, file, plan.receivedAt);
    options.onProgress?.({ messages: tally.totals.messages, messageBytes: tally.totals.messageBytes });

    for (const stray of strays.filter((file) => file.afterMessage === index)) {
      const path = `inbox/${monthFolder(plan.receivedAt)}/${stray.name}`;
      if (stray.expected.kind === 'document') {
        const { contentType, description } = stray.expected;
        await addLooseFile(writer, tally, { path, bytes: stray.bytes, expected: { kind: 'document', contentType, provenance: 'unproven', carriers: [], description } }, plan.receivedAt);
        continue;
      }
      const written = await writer.addFile(path, stray.bytes, plan.receivedAt);
      tally.add({ ...written, kind: 'error', verdict: 'error', reasons: ['parse-error'], description: stray.expected.description });
    }
  }
  if (writer.holdsFiles) {
    for (const file of await unrelatedFiles()) await addLooseFile(writer, tally, file, lastReceivedAt);
  }
  const dumpBytes = await writer.close();

  const keysPath = join(options.outDir, 'keys.jsonl');
  await writeFile(keysPath, publishedRecords(keyring).map((record) => JSON.stringify(record)).join('\n') + '\n');
  const expected: ExpectedDump = {
    version: 1,
    generator: 'leakproof tools/generate-dump.ts',
    seed,
    format,
    dump: basename(dumpPath),
    keys: 'keys.jsonl',
    options: {
      ...(planned !== null ? { messages: planned } : { targetBytes: options.targetBytes! }),
      attachmentEvery: every,
      attachmentMinBytes: minAttachment,
      attachmentMaxBytes: maxAttachment,
    },
    totals: tally.totals,
    entries: tally.entries,
  };
  const expectedPath = join(options.outDir, 'expected.json');
  await writeFile(expectedPath, renderExpected(expected));
  return { dumpPath, keysPath, expectedPath, dumpBytes, totals: tally.totals };
}

async function addLooseFile(writer: DumpWriter, tally: ExpectedTally, file: LooseFile, date: Date): Promise<void> {
  const written = await writer.addFile(file.path, file.bytes, date);
  if (file.expected.kind === 'skipped') {
    tally.add({ ...written, kind: 'skipped', contentType: file.expected.contentType });
    return;
  }
  const sha256 = createHash('sha256').update(file.bytes).digest('hex');
  tally.add({ ...written, ...file.expected, sha256, bytes: file.bytes.length });
}

function openWriter(format: DumpFormat, dumpPath: string): DumpWriter {
  switch (format) {
    case 'zip':
      return createZipWriter(dumpPath);
    case 'mbox':
      return createMboxWriter(dumpPath);
    case 'folder':
      return createFolderWriter(dumpPath);
  }
}

/** How many messages make `targetBytes`, so the special cases and the dates spread over the whole dump. */
function estimateMessages(targetBytes: number, every: number, minAttachment: number, maxAttachment: number): number {
  // base64 adds a third, plus a CRLF every 76 characters.
  const attachmentShare = every > 0 ? (((minAttachment + maxAttachment) / 2) * (4 / 3) * (78 / 76)) / every : 0;
  return Math.max(1, Math.round(targetBytes / (TYPICAL_MESSAGE_BYTES + attachmentShare)));
}

/** The Return-Path address, for the mbox "From " line: what the delivering server recorded as envelope sender. */
function envelopeSender(message: Buffer): string {
  const match = /^Return-Path: <([^>]*)>/m.exec(message.subarray(0, 512).toString('latin1'));
  return match?.[1] || 'MAILER-DAEMON';
}
