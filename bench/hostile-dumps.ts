/**
 * The hostile dump classes of the worst-case bench (THREATS.md §2): files built to exhaust a reader's memory.
 * Each is written into the scratch folder once (the bombs' gibibyte is never held: see zip-bombs.ts) and reused
 * by later runs with the same --work folder.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildMessage } from '../test/helpers/messages.ts';
import { deflated, deflatedMember, rawZip, zerosBomb } from '../test/helpers/zip-bombs.ts';

export interface HostileDump {
  id: string;
  label: string;
  /** Writes the dump at `path`. */
  write(path: string): Promise<void>;
  /** The file name inside the scratch folder: the extension is what the reader goes by. */
  fileName: string;
}

/** A message header on top of the bombs' zeros, as an mbox starts: the reader has to open it as a container. */
const MBOX_HEAD = Buffer.concat([Buffer.from('From alice@campaign.example Thu Jan  1 00:00:00 1970\n'), buildMessage({ eol: '\n', body: '' })]);
/**
 * Every dump but the many-members one also holds one ordinary message, ahead of the hostile part: the hostile
 * entry must become an error and this one must still be stored (the ingest then exits 0).
 */
const ORDINARY = buildMessage({ eol: '\n' });
const ordinaryMember = () => deflatedMember('ordinary.eml', deflated(ORDINARY));
const bombMembers = () => [ordinaryMember(), deflatedMember('inbox.mbox', zerosBomb(1024, MBOX_HEAD))];

export const HOSTILE_DUMPS: readonly HostileDump[] = [
  {
    id: 'zip-bomb',
    label: 'zip: one member, 1 GiB of zeros',
    fileName: 'bomb.zip',
    write: (path) => writeFile(path, rawZip(bombMembers())),
  },
  {
    id: 'zip-bomb-truncated',
    label: 'the same zip, cut off inside the member',
    fileName: 'bomb-truncated.zip',
    write: async (path) => {
      // Two thirds of the compressed data and no central directory: the reader must scan the local headers.
      const cut = rawZip(bombMembers(), { withoutCentralDirectory: true });
      await writeFile(path, cut.subarray(0, Math.floor((cut.length * 2) / 3)));
    },
  },
  {
    id: 'zip-nested-20',
    label: 'zip nested 20 deep',
    fileName: 'nested.zip',
    write: async (path) => {
      // The file is level 1; level-20.zip, the innermost, holds a message.
      let zip = rawZip([deflatedMember('message.eml', deflated(ORDINARY))]);
      for (let level = 19; level >= 2; level--) zip = rawZip([deflatedMember(`level-${level + 1}.zip`, deflated(zip))]);
      zip = rawZip([ordinaryMember(), deflatedMember('level-2.zip', deflated(zip))]);
      await writeFile(path, zip);
    },
  },
  {
    // 65,535: the most a zip lists without ZIP64 end records, which the raw zip writer does not write.
    id: 'zip-65535-members',
    label: 'zip of 65,535 tiny messages',
    fileName: 'many.zip',
    write: async (path) => {
      const members = Array.from({ length: 0xffff }, (_, i) =>
        deflatedMember(`mail/${String(i).padStart(6, '0')}.eml`, deflated(buildMessage({ messageId: `<${i}@campaign.example>`, body: `${i}\r\n` }))),
      );
      await writeFile(path, rawZip(members));
    },
  },
  {
    id: 'mbox-600mb-message',
    label: 'mbox: one 600 MB message (no other From line)',
    fileName: 'one-message.mbox',
    write: (path) => writeText(path, Buffer.concat([Buffer.from('From bob@press.example Thu Jan  1 00:00:00 1970\n'), ORDINARY, Buffer.from('\n'), MBOX_HEAD]), 600 * 1000 * 1000),
  },
];

/** The dump's path in `scratch`, written first unless an earlier run left it there. */
export async function hostileDumpPath(id: string, scratch: string): Promise<string> {
  const dump = HOSTILE_DUMPS.find((candidate) => candidate.id === id);
  if (!dump) throw new Error(`no hostile dump class ${id}`);
  const path = join(scratch, `hostile-${dump.fileName}`);
  if (!existsSync(path)) {
    // Written under a temporary name: an interrupted run leaves no half-written dump to be reused.
    await dump.write(`${path}.partial`);
    await rename(`${path}.partial`, path);
  }
  return path;
}

/** `head`, then lines of text (never a "From " line) up to about `total` bytes, written in 1 MiB blocks. */
async function writeText(path: string, head: Buffer, total: number): Promise<void> {
  const out = createWriteStream(path);
  const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.\n';
  const block = Buffer.from(line.repeat(Math.floor((1024 * 1024) / line.length)), 'latin1');
  out.write(head);
  for (let written = head.length; written < total; written += block.length) {
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}
