/**
 * A real DNS server on 127.0.0.1 for tests (UDP, TXT answers from a map): the resolver chain is tested through
 * node:dns against the wire protocol, not with a stubbed lookup. A name mapped to 'servfail' answers SERVFAIL;
 * 'silent' never answers (a dead server: the lookup times out).
 */
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface TestDnsServer {
  address: string;
  queries: string[];
  close(): Promise<void>;
}

export async function startDnsServer(records: Record<string, string | 'servfail' | 'silent'>): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (message, peer) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    queries.push(question.name);
    const record = records[question.name.toLowerCase()];
    if (record === 'silent') return;
    const answer = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (record === undefined ? 3 : record === 'servfail' ? 2 : 0),
      questions: [question],
      answers:
        record === undefined || record === 'servfail' || question.type !== 'TXT'
          ? []
          : [{ name: question.name, type: 'TXT', class: 'IN', ttl: 300, data: chunks(record) }],
    });
    socket.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** TXT strings hold at most 255 bytes; longer records (2048-bit keys) are split, as publishers do. */
function chunks(text: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += 255) parts.push(text.slice(i, i + 255));
  return parts;
}
