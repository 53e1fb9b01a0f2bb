import type { MessagePlan } from './message-plan.ts';
import type { Prng } from './prng.ts';
import {
  CITIES,
  EN_CLOSINGS,
  EN_GREETINGS,
  EN_SENTENCES,
  FR_CLOSINGS,
  FR_GREETINGS,
  FR_SENTENCES,
  FROM_LINES,
} from './text-bank.ts';
import { frenchQuoteDate } from './mail-dates.ts';

/**
 * The words of a message, as paragraphs; mail-body.ts renders them as text/plain and text/html. Kept apart
 * from the MIME code so the content can change without touching the encodings.
 */
export interface MailText {
  paragraphs: Paragraph[];
}

export type Paragraph =
  | { kind: 'text'; text: string }
  /** Lines kept as written (signatures, list footers, lines that must start with "From "). */
  | { kind: 'lines'; lines: string[] }
  | { kind: 'quote'; attribution: string; lines: string[] };

export function writeText(plan: MessagePlan, prng: Prng): MailText {
  switch (plan.template) {
    case 'list-digest':
      return listDigest(plan, prng);
    case 'newsletter':
      return newsletter(plan, prng);
    default:
      return letter(plan, prng);
  }
}

/** Memo, press enquiry or personal note: a French letter, possibly a reply quoting the previous message. */
function letter(plan: MessagePlan, prng: Prng): MailText {
  const firstName = plan.to[0]?.name.split(' ')[0];
  const greeting = firstName && prng.chance(0.5) ? `Bonjour ${firstName},` : prng.pick(FR_GREETINGS);
  const paragraphs: Paragraph[] = [{ kind: 'text', text: greeting }];
  if (plan.template === 'press') {
    paragraphs.push({
      kind: 'text',
      text: `Je prépare un article sur le déplacement à ${prng.pick(CITIES)} et j'aurais quelques questions à vous soumettre.`,
    });
  }
  const count = plan.template === 'personal' ? prng.int(1, 2) : prng.int(2, 4);
  for (let i = 0; i < count; i++) paragraphs.push({ kind: 'text', text: sentences(FR_SENTENCES, prng, prng.int(1, 3)) });
  if (plan.figure) paragraphs.push({ kind: 'text', text: `Montant engagé : ${plan.figure.text} euros.` });
  if (plan.fromLines) paragraphs.push({ kind: 'lines', lines: [prng.pick(FROM_LINES)] });
  paragraphs.push({ kind: 'lines', lines: [prng.pick(FR_CLOSINGS), plan.from.name, ...signatureLines(plan)] });
  if (plan.inReplyTo) {
    paragraphs.push({
      kind: 'quote',
      attribution: `Le ${frenchQuoteDate(new Date(plan.sentAt.getTime() - prng.int(1, 48) * 3_600_000))}, ${plan.to[0]?.name || plan.to[0]?.address} a écrit :`,
      lines: [prng.pick(FR_GREETINGS), '', sentences(FR_SENTENCES, prng, 2)],
    });
  }
  return { paragraphs };
}

function signatureLines(plan: MessagePlan): string[] {
  switch (plan.template) {
    case 'press':
      return ['Presse Hebdo - service politique', 'Tél. : 01 45 67 89 10'];
    case 'memo':
      return ['Équipe de campagne - pôle organisation'];
    default:
      return [];
  }
}

/** A mailing-list digest in English: 7-bit text, the list footer, and sometimes lines starting "From ". */
function listDigest(plan: MessagePlan, prng: Prng): MailText {
  const paragraphs: Paragraph[] = [{ kind: 'text', text: prng.pick(EN_GREETINGS) }];
  for (let i = 0; i < prng.int(2, 3); i++) paragraphs.push({ kind: 'text', text: sentences(EN_SENTENCES, prng, prng.int(1, 3)) });
  if (plan.fromLines) {
    // Two shapes an mbox must quote: a line starting "From ", and one already starting ">From " (left by an
    // earlier mbox round trip), which mboxrd quoting turns into ">>From ".
    paragraphs.push({ kind: 'lines', lines: [prng.pick(FROM_LINES), 'Item 2 is postponed.'] });
    if (plan.caseId === 'from-lines-in-body') paragraphs.push({ kind: 'lines', lines: ['>From the 2016 archive, quoted as received.'] });
  }
  if (plan.figure) paragraphs.push({ kind: 'text', text: `Approved budget: ${plan.figure.text.replace(' ', ',')} EUR.` });
  paragraphs.push({ kind: 'lines', lines: [prng.pick(EN_CLOSINGS), 'The Actu Europe moderators'] });
  paragraphs.push({
    kind: 'lines',
    lines: [
      '_______________________________________________',
      'Actu-Europe mailing list',
      'actu@lists.example.org',
      'https://lists.example.org/mailman/listinfo/actu',
    ],
  });
  return { paragraphs };
}

/** The campaign newsletter, sent through the ESP: utf-8 with typographic punctuation. */
function newsletter(plan: MessagePlan, prng: Prng): MailText {
  const city = prng.pick(CITIES);
  const paragraphs: Paragraph[] = [
    { kind: 'text', text: 'Chère amie, cher ami,' },
    { kind: 'text', text: `Cette semaine, la campagne était à ${city} : merci aux milliers d’entre vous qui étaient présents…` },
    { kind: 'text', text: sentences(FR_SENTENCES, prng, 2) },
  ];
  if (plan.figure) paragraphs.push({ kind: 'text', text: `Montant engagé : ${plan.figure.text} euros.` });
  paragraphs.push({ kind: 'text', text: 'Pour soutenir la campagne, chaque don compte – même 5 €.' });
  paragraphs.push({ kind: 'lines', lines: ['L’équipe de campagne', `Se désinscrire : https://${plan.organisation.domain}/desinscription`] });
  return { paragraphs };
}

function sentences(bank: readonly string[], prng: Prng, count: number): string {
  const picked: string[] = [];
  for (let i = 0; i < count; i++) picked.push(prng.pick(bank));
  return picked.join(' ');
}

/** text/plain rendering: paragraphs wrapped at 72 columns, the way mail clients send them. */
export function renderPlainText(text: MailText): string {
  return text.paragraphs
    .map((paragraph) => {
      switch (paragraph.kind) {
        case 'text':
          return wrap(paragraph.text, 72).join('\n');
        case 'lines':
          return paragraph.lines.join('\n');
        case 'quote':
          return [paragraph.attribution, ...paragraph.lines.flatMap((line) => (line ? wrap(line, 70) : [''])).map((line) => (line ? `> ${line}` : '>'))].join('\n');
      }
    })
    .join('\n\n');
}

/** text/html rendering of the same paragraphs, one element a line so no line grows past what QP folds. */
export function renderHtml(text: MailText, charset: string): string {
  const body = text.paragraphs.map((paragraph) => {
    switch (paragraph.kind) {
      case 'text':
        return `<p>${escapeHtml(paragraph.text)}</p>`;
      case 'lines':
        return `<p>${paragraph.lines.map(escapeHtml).join('<br>\n')}</p>`;
      case 'quote':
        return `<div>${escapeHtml(paragraph.attribution)}</div>\n<blockquote type="cite">${paragraph.lines.map(escapeHtml).join('<br>\n')}</blockquote>`;
    }
  });
  return [
    '<html>',
    `<head><meta http-equiv="Content-Type" content="text/html; charset=${charset}"></head>`,
    '<body style="font-family: Calibri, Arial, sans-serif; font-size: 11pt;">',
    ...body,
    '</body>',
    '</html>',
  ].join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  lines.push(current);
  return lines;
}
