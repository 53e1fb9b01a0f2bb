import { describe, expect, it } from 'vitest';
import { organizationalDomain, sameOrganization } from '../../../shared/verdict/organizational-domain.ts';

describe('organisational domains (Public Suffix List, private section included)', () => {
  it('separates the owners of names under shared private suffixes', () => {
    expect(sameOrganization('attacker.uk.com', 'bank.uk.com')).toBe(false);
    expect(sameOrganization('attacker.github.io', 'victim.github.io')).toBe(false);
    expect(sameOrganization('a.eu.org', 'b.eu.org')).toBe(false);
  });

  it('joins subdomains of one registrable name, in any case, with or without the final dot', () => {
    expect(organizationalDomain('Mail.Bank.UK.com.')).toBe('bank.uk.com');
    expect(sameOrganization('mail.campaign.example.co.uk', 'campaign.example.co.uk')).toBe(true);
  });
});
