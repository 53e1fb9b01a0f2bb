/**
 * The local server's first check, on its own: which Host, Origin and Sec-Fetch-Site it lets through. The attacks
 * against the running server (DNS rebinding, another site's page, a form post) are in test/e2e/cli-serve.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loopbackGuard } from '../../../shared/api/loopback-guard.ts';

/** A request as @hono/node-server makes it: the URL from the request line (or Host), the headers as sent. */
function request(headers: Record<string, string>, url = `http://${headers.host ?? '127.0.0.1:8080'}/dumps`): Request {
  return new Request(url, { headers });
}

const statusOf = (port: number, headers: Record<string, string>, url?: string) => loopbackGuard(port)(request(headers, url))?.status ?? 'pass';

describe('the loopback guard', () => {
  it("lets through this server's loopback names at its port, whatever their case", () => {
    for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LocalHost:8080', '[::1]:8080']) expect(statusOf(8080, { host }), host).toBe('pass');
  });

  it('refuses any other Host with a 421: other names, other ports, no port, other spellings of the loopback', () => {
    for (const host of ['evil.example:8080', '127.0.0.1:8081', '127.0.0.1', 'localhost', '127.0.0.2:8080', '127.1:8080', '0.0.0.0:8080', 'localhost.:8080', '[::ffff:127.0.0.1]:8080', 'localhost.evil.example:8080']) {
      expect(statusOf(8080, { host }, 'http://127.0.0.1:8080/dumps'), host).toBe(421);
    }
    expect(loopbackGuard(8080)(new Request('http://127.0.0.1:8080/dumps'))?.status, 'no Host at all').toBe(421);
  });

  it('refuses a request line naming another host, even with a loopback Host', () => {
    expect(statusOf(8080, { host: '127.0.0.1:8080' }, 'http://evil.example:8080/dumps')).toBe(421);
  });

  it('takes the Host of port 80 with or without the port, as browsers leave the default out', () => {
    expect(statusOf(80, { host: '127.0.0.1' })).toBe('pass');
    expect(statusOf(80, { host: '127.0.0.1:80' }, 'http://127.0.0.1/dumps')).toBe('pass');
    expect(statusOf(80, { host: '127.0.0.1', origin: 'http://127.0.0.1' })).toBe('pass');
  });

  it("lets an Origin through only when it is this server's, by the name the request used", () => {
    expect(statusOf(8080, { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' })).toBe('pass');
    expect(statusOf(8080, { host: 'localhost:8080', origin: 'http://localhost:8080' })).toBe('pass');
    for (const origin of ['http://evil.example', 'http://localhost:8080', 'https://127.0.0.1:8080', 'http://127.0.0.1:8081', 'http://127.0.0.1', 'null', '']) {
      expect(statusOf(8080, { host: '127.0.0.1:8080', origin }), origin).toBe(403);
    }
  });

  it("refuses what the browser says another site's page asked for, and lets through the user's own", () => {
    for (const site of ['same-origin', 'none', 'Same-Origin']) expect(statusOf(8080, { host: '127.0.0.1:8080', 'sec-fetch-site': site }), site).toBe('pass');
    for (const site of ['cross-site', 'same-site', 'whatever']) expect(statusOf(8080, { host: '127.0.0.1:8080', 'sec-fetch-site': site }), site).toBe(403);
  });
});
