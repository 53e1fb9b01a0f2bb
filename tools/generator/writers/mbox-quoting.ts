/**
 * mboxrd quoting: a line matching /^>*From / gets one more ">", so the reader can tell a separator line from
 * body text and undo the quoting exactly (unlike mboxo, which loses ">From " lines). The message's own line
 * ends (CRLF) are left as they are.
 */
const FROM_SPACE = Buffer.from('From ');
const GT = 0x3e;
const LF = 0x0a;

export function mboxrdQuote(message: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let copied = 0;
  // "From " is rare (base64 never holds a space), so searching for it beats walking every line.
  for (let at = message.indexOf(FROM_SPACE); at !== -1; at = message.indexOf(FROM_SPACE, at + FROM_SPACE.length)) {
    let lineStart = at;
    while (lineStart > 0 && message[lineStart - 1] === GT) lineStart--;
    if (lineStart !== 0 && message[lineStart - 1] !== LF) continue;
    chunks.push(message.subarray(copied, lineStart), Buffer.from('>'));
    copied = lineStart;
  }
  if (chunks.length === 0) return message;
  chunks.push(message.subarray(copied));
  return Buffer.concat(chunks);
}
