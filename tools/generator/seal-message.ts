import { splitMessage } from '../../shared/dkim/header-fields.ts';
import { signMessage, type SignOptions } from '../../shared/dkim/sign.ts';
import { addTransitHeaders } from './compose-message.ts';
import type { KeyId, Keyring } from './keyring.ts';
import type { MessagePlan } from './message-plan.ts';
import { CRLF, encodeText, encodedWords, headerField, mailbox, quotedPrintable } from './mime.ts';
import type { Directory, Person } from './organisations.ts';
import type { Prng } from './prng.ts';
import { appendToBody, insertHeaderAbove, replaceHeaderField, replaceInBody } from './tamper.ts';

export interface SealContext {
  plan: MessagePlan;
  keyring: Keyring;
  directory: Directory;
  prng: Prng;
}

/**
 * Turns a composed message into the one the leaked mailbox holds, per its planned case: signed by whoever
 * signs it, stamped by the receiving server, then (for the forgery cases) edited after the fact.
 */
export function sealMessage(draft: Buffer, context: SealContext): Buffer {
  const signed = sign(draft, context);
  const delivered = addTransitHeaders(signed, context.plan, context.prng);
  return tamper(delivered, context);
}

/** Header fields signers cover when present: every field the verdict rules protect, and the threading ones. */
const AUTHOR_HEADERS = ['from', 'to', 'cc', 'subject', 'date', 'message-id', 'in-reply-to', 'references', 'mime-version', 'content-type'];
/** Bulk senders also sign their list headers, which is what lets a later rewrite of them break their signature. */
const BULK_HEADERS = [...AUTHOR_HEADERS, 'list-id', 'list-unsubscribe', 'feedback-id'];

const MAIN_KEY: Record<MessagePlan['template'], KeyId> = {
  memo: 'campaign-main',
  'list-digest': 'list-main',
  press: 'press-main',
  personal: 'personal-main',
  newsletter: 'campaign-main',
};

function sign(draft: Buffer, context: SealContext): Buffer {
  const { plan } = context;
  const main = MAIN_KEY[plan.template];
  switch (plan.caseId) {
    case 'no-signature':
      return draft;
    case 'verified-ed25519':
      return signWith(draft, context, 'campaign-ed25519');
    case 'verified-simple':
      return signWith(draft, context, main, { canonicalization: 'simple/simple' });
    case 'body-length-limit':
      return signWith(draft, context, main, { bodyLength: 'whole' });
    case 'weak-key':
      return signWith(draft, context, 'press-weak');
    case 'sha1':
      return signWith(draft, context, 'list-sha1', { algorithm: 'rsa-sha1' });
    case 'signer-not-aligned':
      return signWith(draft, context, 'esp-main');
    case 'signature-expired':
      // A short validity window: deferred delivery lets it lapse before the receiving server stamps the message.
      return signWith(draft, context, main, { expiresAt: seconds(plan.signedAt) + 600 });
    case 'key-unavailable':
      return signWith(draft, context, 'list-unpublished');
    case 'key-revoked':
      return signWith(draft, context, 'campaign-retired');
    default:
      // The newsletter goes out through the ESP, which signs for the campaign (aligned) and for itself.
      if (plan.template === 'newsletter') return signWith(signWith(draft, context, main), context, 'esp-main');
      return signWith(draft, context, main);
  }
}

function signWith(message: Buffer, context: SealContext, keyId: KeyId, options: Partial<SignOptions> = {}): Buffer {
  const key = context.keyring[keyId];
  const bulk = keyId === 'esp-main' || keyId.startsWith('list-');
  const present = new Set(splitMessage(message).fields.map((field) => field.key));
  return signMessage(message, {
    domain: key.domain,
    selector: key.selector,
    privateKey: key.privateKey,
    algorithm: key.type === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256',
    canonicalization: 'relaxed/relaxed',
    headers: (bulk ? BULK_HEADERS : AUTHOR_HEADERS).filter((name) => present.has(name)),
    timestamp: seconds(context.plan.signedAt),
    ...options,
  });
}

function tamper(message: Buffer, context: SealContext): Buffer {
  const { plan, prng } = context;
  switch (plan.caseId) {
    case 'body-altered':
      return replaceInBody(message, plan.figure!.text, plan.figure!.altered);
    case 'subject-altered':
      return replaceHeaderField(message, 'subject', headerField('Subject', encodedWords(prng.pick(FORGED_SUBJECTS), plan.charset)));
    case 'from-altered': {
      const impostor = otherPerson(plan.from, context.directory, prng);
      return replaceHeaderField(message, 'from', headerField('From', mailbox(impostor.name, impostor.address, plan.charset)));
    }
    case 'body-length-limit':
      return appendToBody(message, appendedParagraph(plan));
    case 'unsigned-header':
      return insertHeaderAbove(message, 'subject', headerField('Subject', encodedWords(prng.pick(FORGED_SUBJECTS), plan.charset)));
    case 'second-signature-broken':
      // A forwarding system rewrote the unsubscribe link: only the ESP signed that field.
      return replaceHeaderField(message, 'list-unsubscribe', `List-Unsubscribe: <https://relay.campaign-mail.fr/u/${prng.hex(16)}>`);
    default:
      return message;
  }
}

const FORGED_SUBJECTS = ['Virement urgent - confidentiel', 'TR: Fonds à transférer avant lundi', 'Consignes pour la presse (ne pas diffuser)'];

function otherPerson(from: Person, directory: Directory, prng: Prng): Person {
  const domain = from.address.slice(from.address.indexOf('@'));
  const candidates = [...directory.staff, ...directory.journalists, ...directory.correspondents].filter(
    (person) => person.address.endsWith(domain) && person.address !== from.address,
  );
  return prng.pick(candidates);
}

/** Text a forger appends past the l= limit, encoded like the part it lands in (a single text/plain part). */
function appendedParagraph(plan: MessagePlan): Buffer {
  const text = "\nPS : merci d'effectuer le virement sur le compte ci-dessous avant vendredi.\nIBAN : FR76 3000 4000 0500 0012 3456 789\n";
  const encoded = plan.textEncoding === 'quoted-printable' ? quotedPrintable(text, plan.charset) : text.replace(/\n/g, CRLF);
  return plan.textEncoding === 'quoted-printable' ? Buffer.from(encoded, 'latin1') : encodeText(encoded, plan.charset);
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
