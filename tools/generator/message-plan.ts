import { CASES, type CaseId, type TemplateId } from './cases.ts';
import { monthFolder } from './mail-dates.ts';
import type { Charset } from './mime.ts';
import { CAMPAIGN, MAILING_LIST, NEWSLETTER, PERSONAL, PRESS, type Directory, type Organisation, type Person } from './organisations.ts';
import type { Prng } from './prng.ts';
import { ATTACHMENT_NAMES, EN_SUBJECTS, FR_SUBJECTS, NEWSLETTER_SUBJECTS } from './text-bank.ts';

/** Everything decided about one message before a byte of it is written. */
export interface MessagePlan {
  index: number;
  caseId: CaseId;
  template: TemplateId;
  organisation: Organisation;
  /** Path inside the dump (zip/folder): "inbox/2017-04/000123.eml". */
  path: string;
  sentAt: Date;
  /** t= of the signatures: the outbound server signs a moment after the client sent. */
  signedAt: Date;
  /** The date of the topmost Received field, which the verdict rules take as the receipt time. */
  receivedAt: Date;
  from: Person;
  /** Whose leaked mailbox holds the message: the envelope recipient. */
  owner: Person;
  to: Person[];
  cc: Person[];
  subject: string;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  language: 'fr' | 'en';
  charset: Charset;
  /** How the text parts are sent: 8bit leaves raw latin-1 bytes in the body. */
  textEncoding: 'quoted-printable' | '8bit' | '7bit';
  /** text/plain + text/html (multipart/alternative), or text/plain alone. */
  alternative: boolean;
  /** A figure the body states, which the body-altered case changes. */
  figure: { text: string; altered: string } | null;
  fromLines: boolean;
  attachment: PlannedAttachment | null;
  mailer: string;
}

/**
 * A file the message carries: seeded filler of `size` bytes shaped like its kind (the benchmark's payloads), or
 * a real document (`bytes`, from document-set.ts) whose metadata and copies the dump's documents are checked on.
 */
export interface PlannedAttachment {
  kind: 'pdf' | 'docx';
  name: string;
  size: number;
  document?: { bytes: Buffer; contentType: string };
}

export interface Timeline {
  start: Date;
  /** Average time between two messages. */
  gapMs: number;
}

interface Thread {
  subject: string;
  messageId: string;
  references: string[];
}

/** Conversation state carried from one message to the next, so replies thread onto earlier messages. */
export class Planner {
  private readonly directory: Directory;
  private readonly timeline: Timeline;
  private readonly threads = new Map<TemplateId, Thread[]>();

  constructor(directory: Directory, timeline: Timeline) {
    this.directory = directory;
    this.timeline = timeline;
  }

  plan(index: number, caseId: CaseId, prng: Prng, attachmentSize: number | null): MessagePlan {
    const spec = CASES[caseId];
    const template = prng.pick(spec.templates);
    const sentAt = new Date(this.timeline.start.getTime() + index * this.timeline.gapMs + prng.int(0, Math.floor(this.timeline.gapMs * 0.8)));
    const signedAt = new Date(sentAt.getTime() + prng.int(1, 4) * 1000);
    const receivedAt = new Date(signedAt.getTime() + receiptDelaySeconds(template, caseId, prng) * 1000);
    const people = this.people(template, prng);
    const language = template === 'list-digest' ? 'en' : 'fr';
    const thread = this.thread(template, prng);
    const subject = thread ? `${prng.chance(0.8) ? 'Re' : 'RE'}: ${thread.subject}` : prng.pick(SUBJECTS[template]);
    const organisation = ORGANISATIONS[template];
    const messageId = `<${prng.hex(8)}.${prng.hex(6)}@${messageIdHost(organisation, prng)}>`;
    const references = thread ? [...thread.references, thread.messageId].slice(-6) : [];
    this.remember(template, { subject: thread?.subject ?? subject, messageId, references });

    const singlePart = spec.singlePart === true || template === 'personal' || (template === 'press' && prng.chance(0.5));
    // simple/simple over raw 8-bit latin-1: the case where a reader that re-encodes anything breaks the body hash.
    const rawLatin1 = caseId === 'verified-simple';
    const textEncoding = rawLatin1 ? '8bit' : textEncodingFor(template, singlePart, prng);
    const amount = prng.int(12, 88);
    return {
      index,
      caseId,
      template,
      organisation,
      path: `${FOLDERS[template]}/${monthFolder(sentAt)}/${String(index + 1).padStart(6, '0')}.eml`,
      sentAt,
      signedAt,
      receivedAt,
      ...people,
      subject,
      messageId,
      inReplyTo: thread?.messageId ?? null,
      references,
      language,
      charset: !rawLatin1 && (template === 'list-digest' || template === 'newsletter' || (template === 'personal' && prng.chance(0.4))) ? 'utf-8' : 'iso-8859-1',
      textEncoding,
      alternative: !singlePart,
      figure:
        spec.needsFigure || prng.chance(0.3)
          ? { text: `${amount} ${prng.int(1, 9)}00`, altered: `${amount + 100} ${prng.int(1, 9)}50` }
          : null,
      fromLines: spec.fromLines === true || (template === 'list-digest' && prng.chance(0.3)),
      attachment:
        attachmentSize !== null && spec.singlePart !== true ? attachmentFor(prng, attachmentSize) : null,
      mailer: prng.pick(organisation.mailers),
    };
  }

  private people(template: TemplateId, prng: Prng): Pick<MessagePlan, 'from' | 'owner' | 'to' | 'cc'> {
    const { staff, journalists, correspondents } = this.directory;
    const recipient = prng.pick(staff);
    const others = staff.filter((person) => person !== recipient);
    switch (template) {
      case 'memo': {
        const from = prng.pick(others);
        const cc = others.filter((person) => person !== from).slice(prng.int(0, 6)).slice(0, prng.int(0, 2));
        return { from, owner: recipient, to: [recipient], cc };
      }
      case 'press':
        return { from: prng.pick(journalists), owner: recipient, to: [recipient], cc: prng.chance(0.3) ? [prng.pick(others)] : [] };
      case 'personal':
        return { from: prng.pick(correspondents), owner: recipient, to: [recipient], cc: [] };
      case 'list-digest':
        return { from: { name: 'Actu Europe', address: `actu@${MAILING_LIST.domain}` }, owner: recipient, to: [{ name: '', address: `actu@${MAILING_LIST.domain}` }], cc: [] };
      case 'newsletter':
        return { from: { name: 'La Lettre de la campagne', address: `lettre@${NEWSLETTER.domain}` }, owner: recipient, to: [recipient], cc: [] };
    }
  }

  private thread(template: TemplateId, prng: Prng): Thread | null {
    if (template === 'list-digest' || template === 'newsletter') return null;
    const recent = this.threads.get(template) ?? [];
    return recent.length > 0 && prng.chance(0.35) ? prng.pick(recent) : null;
  }

  private remember(template: TemplateId, thread: Thread): void {
    const recent = this.threads.get(template) ?? [];
    recent.push(thread);
    if (recent.length > 5) recent.shift();
    this.threads.set(template, recent);
  }
}

const ORGANISATIONS: Record<TemplateId, Organisation> = {
  memo: CAMPAIGN,
  'list-digest': MAILING_LIST,
  press: PRESS,
  personal: PERSONAL,
  newsletter: NEWSLETTER,
};

const SUBJECTS: Record<TemplateId, readonly string[]> = {
  memo: FR_SUBJECTS,
  'list-digest': EN_SUBJECTS,
  press: FR_SUBJECTS,
  personal: FR_SUBJECTS,
  newsletter: NEWSLETTER_SUBJECTS,
};

const FOLDERS: Record<TemplateId, string> = {
  memo: 'inbox',
  'list-digest': 'listes/actu-europe',
  press: 'inbox',
  personal: 'inbox',
  newsletter: 'newsletters',
};

function messageIdHost(organisation: Organisation, prng: Prng): string {
  return prng.chance(0.5) ? organisation.outboundHost : organisation.domain;
}

/**
 * Seconds from signing to the receiving server's Received stamp. Deferred delivery (greylisting, a queue
 * backlog) is what lets a short x= lapse before receipt.
 */
function receiptDelaySeconds(template: TemplateId, caseId: CaseId, prng: Prng): number {
  if (caseId === 'signature-expired') return prng.int(1800, 7200);
  return template === 'list-digest' || template === 'newsletter' ? prng.int(30, 900) : prng.int(2, 90);
}

function textEncodingFor(template: TemplateId, singlePart: boolean, prng: Prng): MessagePlan['textEncoding'] {
  if (template === 'list-digest') return '7bit';
  // A few old clients still send latin-1 as raw 8-bit bytes.
  if (template === 'press' && singlePart && prng.chance(0.6)) return '8bit';
  return 'quoted-printable';
}

function attachmentFor(prng: Prng, size: number): MessagePlan['attachment'] {
  const kind = prng.chance(0.6) ? 'pdf' : 'docx';
  return { kind, name: prng.pick(ATTACHMENT_NAMES[kind]), size };
}
