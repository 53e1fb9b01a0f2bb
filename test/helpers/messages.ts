/** Builds RFC 5322 messages for tests: CRLF by default, as sent on the wire. */
export interface MessageParts {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  date?: string;
  received?: string;
  messageId?: string;
  extraHeaders?: string[];
  contentType?: string;
  body?: string | Buffer;
  eol?: '\r\n' | '\n';
}

export function buildMessage(parts: MessageParts = {}): Buffer {
  const eol = parts.eol ?? '\r\n';
  const headers = [
    ...(parts.received ? [`Received: ${parts.received}`] : []),
    `From: ${parts.from ?? 'Alice Martin <alice@campaign.example>'}`,
    `To: ${parts.to ?? 'Bob <bob@press.example>'}`,
    ...(parts.cc ? [`Cc: ${parts.cc}`] : []),
    `Subject: ${parts.subject ?? 'Meeting notes'}`,
    `Date: ${parts.date ?? 'Thu, 04 May 2017 10:00:00 +0200'}`,
    `Message-ID: ${parts.messageId ?? '<1@campaign.example>'}`,
    'MIME-Version: 1.0',
    `Content-Type: ${parts.contentType ?? 'text/plain; charset=utf-8'}`,
    ...(parts.extraHeaders ?? []),
  ];
  const body = parts.body ?? `Hello Bob,${eol}${eol}The notes are attached.${eol}-- ${eol}Alice${eol}`;
  return Buffer.concat([Buffer.from(headers.join(eol) + eol + eol, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1')]);
}

/** Replaces the first occurrence of `find` in a message's bytes: tampering, byte-exact elsewhere. */
export function tamper(message: Buffer, find: string, replace: string): Buffer {
  const text = message.toString('latin1');
  const at = text.indexOf(find);
  if (at === -1) throw new Error(`tamper: ${JSON.stringify(find)} not in message`);
  return Buffer.from(text.slice(0, at) + replace + text.slice(at + find.length), 'latin1');
}
