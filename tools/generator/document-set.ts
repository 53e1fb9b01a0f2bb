import { createHash } from 'node:crypto';
import type { Provenance } from '../../shared/documents/contract.ts';
import { CASES, type CaseId } from './cases.ts';
import { buildJpeg, buildOdt, buildOfficeDocument, buildPdf } from './documents/index.ts';
import type { MessagePlan, PlannedAttachment } from './message-plan.ts';
import { base64Body } from './mime.ts';

/**
 * The documents of a generated leak and the stories they tell (issue 11): real OOXML, ODF, PDF and JPEG files
 * carried by signed messages, loose copies of them beside the mail (exact, or altered: another last author, a
 * changed cell), a copy carried only by a partially verified message, files no message carries, folder litter,
 * and second copies of messages (a byte-identical duplicate; a variant whose attachment was swapped after
 * signing). Each loose file records the provenance a correct reader must give it.
 *
 * Stories are given out in order to the first messages that fit them, so a dump of any size has as many as its
 * messages allow, the same ones for the same seed.
 */

const OOXML = 'application/vnd.openxmlformats-officedocument';
const TYPES = {
  docx: `${OOXML}.wordprocessingml.document`,
  xlsx: `${OOXML}.spreadsheetml.sheet`,
  pptx: `${OOXML}.presentationml.presentation`,
  odt: 'application/vnd.oasis.opendocument.text',
  pdf: 'application/pdf',
  jpeg: 'image/jpeg',
} as const;

/** A loose file to write after a message, and what a reader must make of it. */
export interface LooseFile {
  path: string;
  bytes: Buffer;
  expected: { kind: 'document'; contentType: string; provenance: Provenance; carriers: string[]; description: string } | { kind: 'skipped'; contentType: string };
}

/** A second copy of a message to write right after it. */
export interface MessageCopy {
  path: string;
  bytes: Buffer;
  relation: 'duplicate' | 'variant';
  /** The case the copy lands on: the original's for a duplicate, body-altered for a variant. */
  caseId: CaseId;
  description: string;
}

interface Carried {
  name: string;
  bytes: Buffer;
  contentType: string;
}

/** What happens around a message that carries a story's document. */
interface StoryOutcome {
  loose: LooseFile[];
  copies: MessageCopy[];
}

interface Story {
  /** Whether this message can carry the story's document. */
  fits(plan: MessagePlan): boolean;
  document(plan: MessagePlan): Promise<Carried>;
  /** Once the carrier is sealed: the loose files and message copies that go with it. */
  after(plan: MessagePlan, carried: Carried, message: Buffer): Promise<StoryOutcome>;
}

const PLAIN_VERIFIED: readonly CaseId[] = ['verified-rsa', 'verified-ed25519', 'verified-simple'];
const VERIFIED_CARRIER = (plan: MessagePlan) =>
  PLAIN_VERIFIED.includes(plan.caseId) && (plan.template === 'memo' || plan.template === 'press' || plan.template === 'personal');
const PARTIAL_CARRIER = (plan: MessagePlan) => plan.caseId === 'weak-key' || plan.caseId === 'unsigned-header';

const DAY = 86_400_000;
const before = (plan: MessagePlan, days: number) => new Date(plan.sentAt.getTime() - days * DAY);

function exactCopy(path: string, carried: Carried, provenance: Provenance, carrier: MessagePlan, description: string): LooseFile {
  return { path, bytes: carried.bytes, expected: { kind: 'document', contentType: carried.contentType, provenance, carriers: [carrier.path], description } };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const STORIES: Story[] = [
  // A note whose leaked copy was edited by someone else; a copy of its message carries the edited note too.
  {
    fits: VERIFIED_CARRIER,
    document: async (plan) => ({ name: 'Note stratégique - débat.docx', contentType: TYPES.docx, bytes: await strategyNote(plan, plan.from.name, before(plan, 1)) }),
    after: async (plan, carried, message) => {
      const edited = await strategyNote(plan, 'Utilisateur Windows', new Date(plan.sentAt.getTime() + 2 * DAY));
      return {
        loose: [
          {
            path: `documents/versions/${carried.name}`,
            bytes: edited,
            expected: {
              kind: 'document',
              contentType: carried.contentType,
              provenance: 'altered-copy',
              carriers: [plan.path],
              description: 'the verified attachment with another last author and a later save date (the text differs by one sentence)',
            },
          },
        ],
        copies: [
          {
            path: copyPath(plan, 'archives'),
            bytes: swapAttachment(message, carried.bytes, edited),
            relation: 'variant',
            caseId: 'body-altered',
            description: 'same Message-ID; the attached note replaced by the edited one after signing',
          },
        ],
      };
    },
  },
  // A budget spreadsheet: an exact copy, and a copy with one figure changed.
  {
    fits: VERIFIED_CARRIER,
    document: async (plan) => ({ name: 'Budget meetings T2.xlsx', contentType: TYPES.xlsx, bytes: await budget(plan, 18_500) }),
    after: async (plan, carried) => ({
      loose: [
        exactCopy(`documents/${carried.name}`, carried, 'proven', plan, 'identical to the attachment of a verified message'),
        {
          path: `documents/versions/${carried.name}`,
          bytes: await budget(plan, 185_000),
          expected: {
            kind: 'document',
            contentType: carried.contentType,
            provenance: 'altered-copy',
            carriers: [plan.path],
            description: 'the verified attachment with one cell changed (18500 → 185000); same properties',
          },
        },
      ],
      copies: [],
    }),
  },
  // A contract: an exact copy, and a byte-identical second copy of its message in another folder.
  {
    fits: VERIFIED_CARRIER,
    document: async (plan) => ({ name: 'Contrat prestation vidéo.pdf', contentType: TYPES.pdf, bytes: contract(plan) }),
    after: async (plan, carried, message) => ({
      loose: [exactCopy(`documents/${carried.name}`, carried, 'proven', plan, 'identical to the attachment of a verified message')],
      copies: [{ path: copyPath(plan, 'archives'), bytes: message, relation: 'duplicate', caseId: plan.caseId, description: 'byte-identical copy in another folder' }],
    }),
  },
  // A photograph sent from a phone, saved beside the mail.
  {
    fits: VERIFIED_CARRIER,
    document: async (plan) => ({
      name: 'IMG_0417.JPG',
      contentType: TYPES.jpeg,
      bytes: buildJpeg({ make: 'Apple', model: 'iPhone 7', software: '10.3.1', originalTime: before(plan, 2), gps: { latitude: 48.839683, longitude: 2.318414 } }, 96),
    }),
    after: async (plan, carried) => ({
      loose: [exactCopy(`documents/photos/${carried.name}`, carried, 'proven', plan, 'identical to the attachment of a verified message')],
      copies: [],
    }),
  },
  // Minutes sent only by a message whose signature proves less than everything.
  {
    fits: PARTIAL_CARRIER,
    document: async (plan) => ({
      name: 'Compte rendu réunion presse.odt',
      contentType: TYPES.odt,
      bytes: await buildOdt(['Compte rendu de la réunion presse.', 'Présents : la cellule presse et deux rédactions.'], {
        title: 'Compte rendu réunion presse',
        initialCreator: plan.from.name,
        creator: plan.from.name,
        created: before(plan, 3),
        modified: before(plan, 1),
        editingCycles: 3,
        editingMinutes: 47,
        generator: 'LibreOffice/5.3.1.2$Windows_X86_64 LibreOffice_project/e80a0e0fd1875e1696614d24c32df0f95f03deb2',
      }),
    }),
    after: async (plan, carried) => ({
      loose: [
        exactCopy(`documents/${carried.name}`, carried, 'partially-proven', plan, `carried only by a ${CASES[plan.caseId].verdict} message (${CASES[plan.caseId].reasons.join(', ')})`),
      ],
      copies: [],
    }),
  },
];

/** Files no message carries, and litter that is no document: written after the last message. */
export async function unrelatedFiles(): Promise<LooseFile[]> {
  const deck = await buildOfficeDocument(
    { kind: 'pptx', slides: ['Programme : les grandes orientations', 'Calendrier des annonces'] },
    {
      title: 'Programme - version de travail',
      creator: 'Cellule programme',
      lastModifiedBy: 'Cellule programme',
      created: new Date(Date.UTC(2017, 1, 20, 9, 30)),
      modified: new Date(Date.UTC(2017, 2, 1, 17, 5)),
      revision: 12,
      application: 'Microsoft Office PowerPoint',
      appVersion: '15.0000',
      totalTime: 230,
    },
  );
  const unproven = (description: string) => ({ provenance: 'unproven' as const, carriers: [], description });
  return [
    { path: 'documents/Programme - version de travail.pptx', bytes: deck, expected: { kind: 'document', contentType: TYPES.pptx, ...unproven('no message carries these bytes, its name or its identity') } },
    // Folder litter: not files of content, they stay skipped.
    { path: 'documents/.DS_Store', bytes: dsStore(), expected: { kind: 'skipped', contentType: 'application/octet-stream' } },
    { path: 'documents/photos/Thumbs.db', bytes: thumbsDb(), expected: { kind: 'skipped', contentType: 'application/x-cfb' } },
    { path: 'documents/sans titre.txt', bytes: Buffer.alloc(0), expected: { kind: 'skipped', contentType: 'application/x-empty' } },
  ];
}

/**
 * Hands the stories out to the messages that fit them, in order, and says what goes around each carrier.
 * One per generated dump.
 */
export class DocumentSet {
  readonly #pending = [...STORIES];
  readonly #carried = new Map<number, { story: Story; carried: Carried }>();

  /** The real document this message carries, if a story takes it. */
  async attachmentFor(plan: MessagePlan): Promise<PlannedAttachment | null> {
    if (CASES[plan.caseId].singlePart) return null;
    const at = this.#pending.findIndex((story) => story.fits(plan));
    if (at < 0) return null;
    const [story] = this.#pending.splice(at, 1);
    const carried = await story!.document(plan);
    this.#carried.set(plan.index, { story: story!, carried });
    return { kind: 'docx', name: carried.name, size: carried.bytes.length, document: { bytes: carried.bytes, contentType: carried.contentType } };
  }

  /** After the message is sealed: the loose files and message copies of its story (none if it carries none). */
  async after(plan: MessagePlan, message: Buffer): Promise<StoryOutcome> {
    const entry = this.#carried.get(plan.index);
    if (!entry) return { loose: [], copies: [] };
    this.#carried.delete(plan.index);
    return entry.story.after(plan, entry.carried, message);
  }
}

function copyPath(plan: MessagePlan, folder: string): string {
  return `${folder}/${plan.path.split('/').slice(1).join('/')}`;
}

/**
 * The sealed message with one attachment's bytes swapped for others: its base64 body is found and replaced as
 * the generator wrote it (same line length), which breaks the body hash and nothing else.
 */
function swapAttachment(message: Buffer, original: Buffer, replacement: Buffer): Buffer {
  const encoded = base64Body(original);
  const at = message.indexOf(encoded);
  if (at < 0) throw new Error(`attachment ${sha256(original).slice(0, 12)} not found in its message`);
  return Buffer.concat([message.subarray(0, at), base64Body(replacement), message.subarray(at + encoded.length)]);
}

function strategyNote(plan: MessagePlan, lastModifiedBy: string, modified: Date): Promise<Buffer> {
  const edited = lastModifiedBy !== plan.from.name;
  return buildOfficeDocument(
    {
      kind: 'docx',
      paragraphs: [
        'Note stratégique : préparation du débat du 3 mai.',
        'Axes : emploi, Europe, sécurité.',
        edited ? 'Ne pas répondre sur le financement de la campagne.' : 'Répondre point par point sur le financement de la campagne.',
      ],
    },
    {
      title: 'Note stratégique - débat',
      creator: plan.from.name,
      lastModifiedBy,
      created: before(plan, 4),
      modified,
      revision: edited ? 9 : 8,
      application: 'Microsoft Office Word',
      appVersion: '16.0000',
      company: 'En Marche',
      template: 'Normal.dotm',
      totalTime: edited ? 151 : 143,
    },
  );
}

function budget(plan: MessagePlan, venues: number): Promise<Buffer> {
  return buildOfficeDocument(
    {
      kind: 'xlsx',
      rows: [
        ['Poste', 'Montant (EUR)'],
        ['Location des salles', venues],
        ['Sonorisation', 42_000],
        ['Transport', 27_300],
      ],
    },
    {
      title: 'Budget meetings T2',
      creator: plan.from.name,
      lastModifiedBy: plan.from.name,
      created: before(plan, 10),
      modified: before(plan, 1),
      revision: 5,
      application: 'Microsoft Excel',
      appVersion: '16.0300',
      company: 'En Marche',
      totalTime: 64,
    },
  );
}

function contract(plan: MessagePlan): Buffer {
  const id = createHash('md5').update(`contract/${plan.messageId}`).digest('hex');
  return buildPdf(['Contrat de prestation : captation video des meetings', 'Montant forfaitaire : 24 000 EUR HT'], {
    title: 'Contrat prestation vidéo',
    author: plan.from.name,
    creator: 'Microsoft Word 2016',
    producer: 'Microsoft Word 2016',
    created: before(plan, 6),
    modified: before(plan, 5),
    documentId: `uuid:${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
    instanceId: `uuid:${id.slice(20)}-${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}`,
    fileId: [id, id],
  });
}

/** The start of a Finder .DS_Store (its "Bud1" buddy-allocator header), padded as Finder pads it. */
function dsStore(): Buffer {
  const bytes = Buffer.alloc(6148);
  Buffer.from('000000014275643100001000000008000000100000000409', 'hex').copy(bytes);
  return bytes;
}

/** The start of a Windows thumbnail cache: an OLE compound file header. */
function thumbsDb(): Buffer {
  const bytes = Buffer.alloc(1536);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(bytes);
  bytes.writeUInt16LE(0x003e, 24); // minor version
  bytes.writeUInt16LE(0x0003, 26); // major version 3
  bytes.writeUInt16LE(0xfffe, 28); // little-endian
  bytes.writeUInt16LE(9, 30); // 512-byte sectors
  return bytes;
}
