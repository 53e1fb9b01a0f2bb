/**
 * Hostile zips built at test time, without ever holding what they inflate to: deflate data that inflates to
 * any number of MiB of zeros (one compressed block of 1 MiB of zeros, repeated: ~1 KB per MiB), zip records
 * written byte by byte, so their recorded sizes can say whatever a test wants them to, and members named in
 * the locators' own syntax.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { localHeaderOffsets, mboxRecord } from './dump-files.ts';

const MiB = 1024 * 1024;
const ZEROS = Buffer.alloc(MiB);
/** 1 MiB of zeros as a deflate block that is not the last and ends on a byte boundary, so it can be repeated. */
const ZEROS_BLOCK = deflateRawSync(ZEROS, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
/** An empty last block: what ends a deflate stream. */
const LAST_BLOCK = deflateRawSync(Buffer.alloc(0));

export interface Deflated {
  /** The deflate data. */
  data: Buffer;
  /** CRC-32 and size of what it inflates to. */
  crc32: number;
  size: number;
}

const made = new Map<string, Deflated>();

/** Deflate data that inflates to `head` followed by `mib` MiB of zeros (the same object for the same arguments). */
export function zerosBomb(mib: number, head: Buffer = Buffer.alloc(0)): Deflated {
  const key = `${mib}:${head.toString('base64')}`;
  const known = made.get(key);
  if (known) return known;
  const headBlock = deflateRawSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
  let crc = crc32(head);
  for (let i = 0; i < mib; i++) crc = crc32(ZEROS, crc);
  const data = Buffer.concat([headBlock, ...Array.from({ length: mib }, () => ZEROS_BLOCK), LAST_BLOCK]);
  const bomb = { data, crc32: crc >>> 0, size: head.length + mib * MiB };
  made.set(key, bomb);
  return bomb;
}

/** Plain deflate of `bytes`, with its CRC-32 and size. */
export function deflated(bytes: Buffer): Deflated {
  return { data: deflateRawSync(bytes), crc32: crc32(bytes) >>> 0, size: bytes.length };
}

export interface RawMember {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  /** The member's data as stored in the zip. */
  data: Buffer;
  crc32: number;
  /** The sizes both headers record: anything, true or not. A size of 2^32 or more is written in a ZIP64 extra field. */
  uncompressedSize: number;
  compressedSize?: number;
  /** Sizes and CRC-32 in a data descriptor after the data; the local header records zeros. */
  dataDescriptor?: boolean;
}

const FLAG_UTF8 = 0x800;
const FLAG_DATA_DESCRIPTOR = 0x8;
const NEEDS_ZIP64 = 0xffffffff;

/** A zip with these members, written as recorded; `withoutCentralDirectory` leaves out all that follows the data. */
export function rawZip(members: RawMember[], options: { withoutCentralDirectory?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const member of members) {
    const name = Buffer.from(member.name, 'utf8');
    const compressedSize = member.compressedSize ?? member.data.length;
    const zip64 = member.uncompressedSize >= NEEDS_ZIP64 || compressedSize >= NEEDS_ZIP64;
    const extra = zip64 ? zip64Extra(member.uncompressedSize, compressedSize) : Buffer.alloc(0);
    const flags = FLAG_UTF8 | (member.dataDescriptor ? FLAG_DATA_DESCRIPTOR : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(member.method, 8);
    if (!member.dataDescriptor) {
      local.writeUInt32LE(member.crc32, 14);
      local.writeUInt32LE(zip64 ? NEEDS_ZIP64 : compressedSize, 18);
      local.writeUInt32LE(zip64 ? NEEDS_ZIP64 : member.uncompressedSize, 22);
    }
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(member.dataDescriptor ? 0 : extra.length, 28);
    const localExtra = member.dataDescriptor ? Buffer.alloc(0) : extra;
    parts.push(local, name, localExtra, member.data);
    let descriptorLength = 0;
    if (member.dataDescriptor) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(member.crc32, 4);
      descriptor.writeUInt32LE(compressedSize, 8);
      descriptor.writeUInt32LE(member.uncompressedSize, 12);
      parts.push(descriptor);
      descriptorLength = descriptor.length;
    }
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(zip64 ? 45 : 20, 4);
    header.writeUInt16LE(zip64 ? 45 : 20, 6);
    header.writeUInt16LE(flags, 8);
    header.writeUInt16LE(member.method, 10);
    header.writeUInt32LE(member.crc32, 16);
    header.writeUInt32LE(zip64 ? NEEDS_ZIP64 : compressedSize, 20);
    header.writeUInt32LE(zip64 ? NEEDS_ZIP64 : member.uncompressedSize, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt32LE(offset, 42);
    central.push(header, name, extra);
    offset += local.length + name.length + localExtra.length + member.data.length + descriptorLength;
  }
  if (options.withoutCentralDirectory) return Buffer.concat(parts);
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

/** The ZIP64 extended information field: both sizes, in the order the format wants them. */
function zip64Extra(uncompressedSize: number, compressedSize: number): Buffer {
  const field = Buffer.alloc(20);
  field.writeUInt16LE(0x0001, 0);
  field.writeUInt16LE(16, 2);
  field.writeBigUInt64LE(BigInt(uncompressedSize), 4);
  field.writeBigUInt64LE(BigInt(compressedSize), 12);
  return field;
}

/** A member from deflate data, recording its true sizes unless told otherwise. */
export function deflatedMember(name: string, data: Deflated, recorded: Partial<RawMember> = {}): RawMember {
  return { name, method: 8, data: data.data, crc32: data.crc32, uncompressedSize: data.size, ...recorded };
}

/** A stored member. */
export function storedMember(name: string, bytes: Buffer): RawMember {
  return { name, method: 0, data: bytes, crc32: crc32(bytes) >>> 0, uncompressedSize: bytes.length };
}

/**
 * A zip of `a.eml`, `a.eml`, `a.eml@<where the second a.eml starts>`, `box.mbox` (one message, at offset 0) and
 * `box.mbox#0`: five messages (`message(1)` to `message(5)`) whose names collided in the locators before names
 * were escaped (3 were stored); `more` members after them.
 */
export function lookalikeNamesZip(message: (n: number) => Buffer, more: RawMember[] = []): Buffer {
  const first = [deflatedMember('a.eml', deflated(message(1))), deflatedMember('a.eml', deflated(message(2)))];
  const secondAt = localHeaderOffsets(rawZip(first))[1]!;
  return rawZip([
    ...first,
    deflatedMember(`a.eml@${secondAt}`, deflated(message(3))),
    deflatedMember('box.mbox', deflated(mboxRecord(message(4)))),
    deflatedMember('box.mbox#0', deflated(message(5))),
    ...more,
  ]);
}

/** Starts like a message, so only the size can give it away. */
const HEADER = Buffer.from('Subject: nothing to see\r\n\r\n', 'latin1');

/**
 * Every way a member can try to make the reader hold a lot, between two ordinary messages (`message(1)`,
 * `message(2)`): a 1 GiB bomb recording its true size, and the same bomb recording 1 KB (left compressed for a
 * worker), 6 MiB (the same), 30 MiB (streamed) and, after a whole first message, 80 MiB as an mbox.
 */
export function hostileMembers(message: (n: number) => Buffer): RawMember[] {
  const bomb = zerosBomb(1024, HEADER);
  const mboxThenBomb = Buffer.concat([mboxRecord(message(8)), Buffer.from('From bomb@example.org Thu Jan  1 00:00:00 1970\n', 'latin1')]);
  return [
    deflatedMember('1.eml', deflated(message(1))),
    deflatedMember('gib.eml', bomb),
    deflatedMember('lies-small.eml', bomb, { uncompressedSize: 1024 }),
    deflatedMember('lies-6mib.eml', bomb, { uncompressedSize: 6 * MiB }),
    deflatedMember('lies-30mib.txt', bomb, { uncompressedSize: 30 * MiB }),
    deflatedMember('lies-80mib.mbox', zerosBomb(1024, mboxThenBomb), { uncompressedSize: 80 * MiB }),
    deflatedMember('2.eml', deflated(message(2))),
  ];
}
