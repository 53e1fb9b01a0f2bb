import type { Prng } from './prng.ts';
import { FIRST_NAMES, LAST_NAMES } from './text-bank.ts';

/**
 * Who sends the generated mail. The domains are fictional but sit under real public suffixes, so the
 * organisational-domain rules (lists.example.org → example.org) behave as they would on real mail.
 */
export interface Organisation {
  /** The From domain. */
  domain: string;
  /** The host that hands the mail to the Internet (what Received lines name). */
  outboundHost: string;
  outboundIp: string;
  /** X-Mailer / User-Agent of the people who write from here. */
  mailers: readonly string[];
}

export const CAMPAIGN: Organisation = {
  domain: 'campaign-mail.fr',
  outboundHost: 'smtp-out.campaign-mail.fr',
  outboundIp: '198.51.100.25',
  mailers: ['Microsoft Outlook 16.0', 'Apple Mail (2.3273)', 'Mozilla/5.0 (Windows NT 10.0; WOW64; rv:45.0) Gecko/20100101 Thunderbird/45.8.0'],
};

/** The campaign's newsletter: a subdomain of the campaign, so the campaign's own signature is aligned with it. */
export const NEWSLETTER: Organisation = {
  domain: 'news.campaign-mail.fr',
  outboundHost: 'mta12.sendwave-mail.com',
  outboundIp: '203.0.113.112',
  mailers: ['SendWave Campaigns'],
};

export const MAILING_LIST: Organisation = {
  domain: 'lists.example.org',
  outboundHost: 'mail.lists.example.org',
  outboundIp: '192.0.2.40',
  mailers: ['Mailman 2.1.23'],
};

export const PRESS: Organisation = {
  domain: 'presse-hebdo.fr',
  outboundHost: 'relay.presse-hebdo.fr',
  outboundIp: '198.51.100.77',
  mailers: ['Microsoft Outlook 14.0', 'Zimbra 8.7.5_GA_1764 (ZimbraWebClient - FF52 (Win)/8.7.5_GA_1764)'],
};

export const PERSONAL: Organisation = {
  domain: 'courriel-perso.fr',
  outboundHost: 'smtp.courriel-perso.fr',
  outboundIp: '203.0.113.9',
  mailers: ['Webmail Courriel-Perso', 'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3 like Mac OS X) AppleWebKit/603.1.30'],
};

/** An email service provider that sends for the campaign and signs with its own d=. */
export const ESP_DOMAIN = 'sendwave-mail.com';

/** Where the leaked mailboxes live: every message was received by this server. */
export const RECEIVING_HOST = 'mx1.campaign-mail.fr';

export interface Person {
  name: string;
  address: string;
}

/** The people of each organisation, drawn once per dump so the same names recur, as in a real mailbox. */
export interface Directory {
  staff: Person[];
  journalists: Person[];
  correspondents: Person[];
}

export function createDirectory(prng: Prng): Directory {
  const people = (count: number, domain: string, style: 'dotted' | 'initial' | 'free'): Person[] => {
    const seen = new Set<string>();
    const out: Person[] = [];
    while (out.length < count) {
      const first = prng.pick(FIRST_NAMES);
      const last = prng.pick(LAST_NAMES);
      const local =
        style === 'dotted'
          ? `${ascii(first)}.${ascii(last)}`
          : style === 'initial'
            ? `${ascii(first)[0]}${ascii(last)}`
            : `${ascii(first)}${ascii(last)[0]}${prng.int(1, 99)}`;
      if (seen.has(local)) continue;
      seen.add(local);
      out.push({ name: `${first} ${last}`, address: `${local}@${domain}` });
    }
    return out;
  };
  return {
    staff: people(12, CAMPAIGN.domain, 'dotted'),
    journalists: people(5, PRESS.domain, 'initial'),
    correspondents: people(6, PERSONAL.domain, 'free'),
  };
}

/** "Hélène" → "helene": mailbox names are ASCII. */
function ascii(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}
