import { mailBody } from './mail-body.ts';
import { rfc5322Date } from './mail-dates.ts';
import { writeText } from './mail-text.ts';
import type { MessagePlan } from './message-plan.ts';
import { CRLF, encodedWords, headerField, mailbox } from './mime.ts';
import { ESP_DOMAIN, RECEIVING_HOST } from './organisations.ts';
import type { Prng } from './prng.ts';

/**
 * The message as it leaves the sender's outbound server, before DKIM signing: the author's header fields,
 * the server's own Received stamp, and the MIME body. CRLF line ends, as on the wire.
 */
export function composeMessage(plan: MessagePlan, prng: Prng): Buffer {
  const body = mailBody(plan, writeText(plan, prng), prng);
  const headers = [
    ...submissionReceived(plan, prng),
    headerField('From', mailbox(plan.from.name, plan.from.address, plan.charset)),
    headerField('To', plan.to.map((person) => mailbox(person.name, person.address, plan.charset)).join(', ')),
    ...(plan.cc.length > 0 ? [headerField('Cc', plan.cc.map((person) => mailbox(person.name, person.address, plan.charset)).join(', '))] : []),
    headerField('Subject', encodedWords(plan.subject, plan.charset)),
    `Date: ${rfc5322Date(plan.sentAt)}`,
    `Message-ID: ${plan.messageId}`,
    ...(plan.inReplyTo ? [`In-Reply-To: ${plan.inReplyTo}`, headerField('References', plan.references.join(' '))] : []),
    'MIME-Version: 1.0',
    ...body.headers,
    ...templateHeaders(plan, prng),
    `${plan.mailer.startsWith('Mozilla') ? 'User-Agent' : 'X-Mailer'}: ${plan.mailer}`,
  ];
  return Buffer.concat([Buffer.from(headers.join(CRLF) + CRLF + CRLF, 'latin1'), body.body]);
}

/** Header fields a list server or an ESP adds before the message is signed. */
function templateHeaders(plan: MessagePlan, prng: Prng): string[] {
  if (plan.template === 'list-digest') {
    return [
      'Precedence: list',
      'List-Id: Actu Europe <actu.lists.example.org>',
      'List-Unsubscribe: <https://lists.example.org/mailman/options/actu>,',
      ' <mailto:actu-request@lists.example.org?subject=unsubscribe>',
      'List-Archive: <https://lists.example.org/pipermail/actu/>',
      'List-Post: <mailto:actu@lists.example.org>',
      'Errors-To: actu-bounces@lists.example.org',
      'Sender: "Actu-Europe" <actu-bounces@lists.example.org>',
    ];
  }
  if (plan.template === 'newsletter') {
    return [
      `List-Unsubscribe: <https://${ESP_DOMAIN}/u/${prng.hex(24)}>`,
      `Feedback-ID: ${prng.int(1000, 9999)}:campaign:${ESP_DOMAIN}`,
      `X-SW-Campaign: ${prng.hex(12)}`,
    ];
  }
  return [];
}

/** The Received stamp of the sender's own server (submission), which precedes signing. */
function submissionReceived(plan: MessagePlan, prng: Prng): string[] {
  if (plan.template === 'newsletter' || plan.template === 'list-digest') return [];
  const client = `10.${prng.int(0, 40)}.${prng.int(0, 255)}.${prng.int(2, 254)}`;
  return [
    `Received: from [${client}] (unknown [${client}])${CRLF}\tby ${plan.organisation.outboundHost} (Postfix) with ESMTPSA id ${queueId(prng)}${CRLF}` +
      `\tfor <${plan.owner.address}>; ${rfc5322Date(plan.sentAt, true)}`,
  ];
}

/**
 * What the Internet adds after signing: the receiving server's Received stamp (the receipt time the verdict
 * rules use), and the delivery fields of the mailbox the message was leaked from.
 */
export function addTransitHeaders(message: Buffer, plan: MessagePlan, prng: Prng): Buffer {
  const origin = plan.organisation;
  const transit = [
    `Return-Path: <${returnPath(plan, prng)}>`,
    `Delivered-To: ${plan.owner.address}`,
    `Received: from ${origin.outboundHost} (${origin.outboundHost} [${origin.outboundIp}])${CRLF}` +
      `\tby ${RECEIVING_HOST} (Postfix) with ESMTPS id ${queueId(prng)}${CRLF}` +
      `\tfor <${plan.owner.address}>; ${rfc5322Date(plan.receivedAt, true)}`,
  ];
  return Buffer.concat([Buffer.from(transit.join(CRLF) + CRLF, 'latin1'), message]);
}

function returnPath(plan: MessagePlan, prng: Prng): string {
  if (plan.template === 'newsletter') return `bounce-${prng.hex(10)}@${ESP_DOMAIN}`;
  if (plan.template === 'list-digest') return 'actu-bounces@lists.example.org';
  return plan.from.address;
}

/** A Postfix queue id, e.g. "3w9Hk24gVzz1x". */
function queueId(prng: Prng): string {
  const alphabet = '0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz';
  let id = '3w';
  for (let i = 0; i < 11; i++) id += alphabet[prng.int(0, alphabet.length - 1)];
  return id;
}
