/**
 * What a reader of a document's provenance should look at twice (issue 11 §4, "signals"). They sit beside the
 * provenance and never change it: a genuine file can have a wrong clock, a new author or a foreign title. Each is
 * judged against the messages that decided the provenance (its carriers); a document nothing carries has none.
 */
import { AUTHOR_FIELDS } from '../documents/author-names.ts';
import type { FileFacts, MetadataField, ProvenanceSignal } from '../documents/contract.ts';
import { organizationalDomain } from '../verdict/organizational-domain.ts';
import { senderDomainOf } from '../ports/verdict-store.ts';
import type { CarriedCopy } from './decide-provenance.ts';

/** Fields written by people (or their software) whose script says something of where the file was made. */
const TEXT_FIELDS: readonly MetadataField[] = ['title', 'author', 'lastModifiedBy', 'company', 'template', 'application', 'producer', 'software', 'camera'];
/** Characters of a value looked at for its scripts: metadata values are short; a long one says no more past this. */
const MAX_SCRIPT_CHARS = 512;

/** Unicode scripts told apart (Script property). Each test is one character class: linear on any input. */
const SCRIPTS: readonly [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Han', /\p{Script=Han}/u],
  ['Hiragana', /\p{Script=Hiragana}/u],
  ['Katakana', /\p{Script=Katakana}/u],
  ['Hangul', /\p{Script=Hangul}/u],
];

/**
 * An ISO 8601 time with its zone, as the metadata readers write dates: only those compare with a message's Date
 * whatever the machine's zone (a time without one would be read in the server's).
 */
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export function provenanceSignals(document: FileFacts, carriers: readonly CarriedCopy[], knownAuthors: ReadonlyMap<string, readonly string[]>): ProvenanceSignal[] {
  if (carriers.length === 0) return [];
  return [...dateSignals(document, carriers), ...authorSignals(document, carriers, knownAuthors), ...scriptSignals(document, carriers, knownAuthors)];
}

/** Created or modified after the (earliest) Date of a message that carries it: the file was made after it was sent. */
function dateSignals(document: FileFacts, carriers: readonly CarriedCopy[]): ProvenanceSignal[] {
  const earliest = carriers
    .flatMap((copy) => (copy.message.date ? [{ time: Date.parse(copy.message.date), copy }] : []))
    .filter(({ time }) => !Number.isNaN(time))
    .sort((a, b) => a.time - b.time)[0];
  if (!earliest) return [];
  const signals: ProvenanceSignal[] = [];
  for (const [field, kind] of [['created', 'created-after-message'], ['modified', 'modified-after-message']] as const) {
    const value = document.metadata?.fields[field];
    const time = value && ZONED_TIME.test(value) ? Date.parse(value) : Number.NaN;
    if (time > earliest.time) {
      signals.push({ kind, detail: `${field} ${value}, after the Date (${earliest.copy.message.date}) of the message that carries it (${earliest.copy.place.locator})` });
    }
  }
  return signals;
}

/** The organisations (of the From address) of the carrying messages, each once. */
export function carrierOrganisations(carriers: readonly CarriedCopy[]): string[] {
  const domains = carriers.flatMap((copy) => senderDomainOf(copy.message.sender) ?? []);
  return [...new Set(domains.map(organizationalDomain))];
}

function knownNames(carriers: readonly CarriedCopy[], knownAuthors: ReadonlyMap<string, readonly string[]>): string[] {
  return carrierOrganisations(carriers).flatMap((organisation) => knownAuthors.get(organisation) ?? []);
}

/** Names compare as people write them: Unicode-normalised, trimmed, case-folded. */
function normalName(name: string): string {
  return name.normalize('NFC').trim().toLowerCase();
}

/**
 * An author or last modifier never seen on verified attachments from the carriers' organisations. Judged only
 * when some are known: with none, every name would be "unseen" and the signal would say nothing.
 */
function authorSignals(document: FileFacts, carriers: readonly CarriedCopy[], knownAuthors: ReadonlyMap<string, readonly string[]>): ProvenanceSignal[] {
  const known = new Set(knownNames(carriers, knownAuthors).map(normalName));
  if (known.size === 0) return [];
  const organisations = carrierOrganisations(carriers).join(', ');
  const signals: ProvenanceSignal[] = [];
  for (const field of AUTHOR_FIELDS) {
    const name = document.metadata?.fields[field];
    if (name && normalName(name) !== '' && !known.has(normalName(name))) {
      signals.push({ kind: 'unseen-author', detail: `${field} "${name}" is on no attachment of verified mail from ${organisations}` });
    }
  }
  return signals;
}

/** The scripts a text is written in (of those told apart), looking at its first characters only. */
export function scriptsOf(text: string): string[] {
  const head = text.slice(0, MAX_SCRIPT_CHARS);
  return SCRIPTS.filter(([, pattern]) => pattern.test(head)).map(([name]) => name);
}

/**
 * Metadata in a script seen neither in the known authors' names nor in the metadata of the carriers' verified
 * copies: a Cyrillic title on a file otherwise only ever written in Latin.
 */
function scriptSignals(document: FileFacts, carriers: readonly CarriedCopy[], knownAuthors: ReadonlyMap<string, readonly string[]>): ProvenanceSignal[] {
  const seen = new Set([
    ...knownNames(carriers, knownAuthors).flatMap(scriptsOf),
    ...carriers.flatMap((copy) => TEXT_FIELDS.flatMap((field) => scriptsOf(copy.attachment.metadata?.fields[field] ?? ''))),
  ]);
  if (seen.size === 0) return [];
  const signals: ProvenanceSignal[] = [];
  const reported = new Set<string>();
  for (const field of TEXT_FIELDS) {
    for (const script of scriptsOf(document.metadata?.fields[field] ?? '')) {
      if (seen.has(script) || reported.has(script)) continue;
      reported.add(script);
      signals.push({ kind: 'unseen-script', detail: `${script} in ${field}, a script seen on no verified attachment from ${carrierOrganisations(carriers).join(', ') || 'its carriers'}` });
    }
  }
  return signals;
}
