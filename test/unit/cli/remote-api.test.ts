/** The command line's API client against small HTTP servers on 127.0.0.1 that answer as the API and S3 do. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { regionOfApiUrl } from '../../../shared/adapters/aws/execute-api-signer.ts';
import { bearerAuthoriser, RemoteApi } from '../../../cli/remote-api.ts';

type Handler = (path: string, headers: IncomingHttpHeaders, response: ServerResponse) => void;
const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((server) => server.close()));

async function serve(handler: Handler): Promise<{ url: string; requests: { path: string; authorization: string | undefined }[] }> {
  const requests: { path: string; authorization: string | undefined }[] = [];
  const server = createServer((request, response) => {
    requests.push({ path: request.url!, authorization: request.headers.authorization });
    handler(request.url!, request.headers, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  response.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers }).end(JSON.stringify(body));

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

const DUMP = 'a'.repeat(64);
const EXPORT = 'b'.repeat(32);

describe('RemoteApi.export', () => {
  it('follows an export job: 202 to its status, asked again after Retry-After, then 303 to the file, fetched without the API credentials', async () => {
    const files = await serve((_path, _headers, response) => response.writeHead(200, { 'content-type': 'application/x-ndjson' }).end('{"line":1}\n{"line":2}\n'));
    let looks = 0;
    const api = await serve((path, _headers, response) => {
      if (path === `/dumps/${DUMP}/export?format=jsonl`) return json(response, 202, { status: 'queued' }, { location: `/dumps/${DUMP}/exports/${EXPORT}`, 'retry-after': '3' });
      if (path === `/dumps/${DUMP}/exports/${EXPORT}`) {
        if (++looks < 3) return json(response, 202, { status: 'running' }, { location: `/dumps/${DUMP}/exports/${EXPORT}`, 'retry-after': '3' });
        return json(response, 303, { url: `${files.url}/exports/x.jsonl?X-Amz-Signature=s` }, { location: `${files.url}/exports/x.jsonl?X-Amz-Signature=s` });
      }
      json(response, 404, { title: 'Not Found' });
    });
    const waits: number[] = [];
    const client = new RemoteApi(api.url, bearerAuthoriser('t0ken'), { pollMs: 1000, sleep: async (ms) => void waits.push(ms) });
    expect(await text(await client.export(DUMP, 'jsonl'))).toBe('{"line":1}\n{"line":2}\n');
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer t0ken', 'Bearer t0ken', 'Bearer t0ken', 'Bearer t0ken']);
    expect(files.requests).toEqual([{ path: '/exports/x.jsonl?X-Amz-Signature=s', authorization: undefined }]);
    expect(waits).toEqual([3000, 3000, 3000]);
  });

  it('reads an export streamed in the answer (leakproof serve)', async () => {
    const api = await serve((_path, _headers, response) => response.writeHead(200, { 'content-type': 'text/csv' }).end('dump,locator\r\n'));
    expect(await text(await new RemoteApi(`${api.url}/`, bearerAuthoriser('t')).export(DUMP, 'csv'))).toBe('dump,locator\r\n');
    expect(api.requests[0]!.path).toBe(`/dumps/${DUMP}/export?format=csv`);
  });

  it('says why an export failed', async () => {
    const api = await serve((path, _headers, response) =>
      path.includes('/exports/')
        ? json(response, 500, { title: 'Internal Server Error', detail: `export ${EXPORT} failed: timed out` })
        : json(response, 202, {}, { location: `/dumps/${DUMP}/exports/${EXPORT}` }),
    );
    const client = new RemoteApi(api.url, bearerAuthoriser('t'), { sleep: async () => {} });
    await expect(client.export(DUMP, 'jsonl')).rejects.toThrow(`the API answered 500 for the export: Internal Server Error: export ${EXPORT} failed: timed out`);
  });
});

describe('RemoteApi reads', () => {
  it('lists dumps, reads a summary, and takes a 404 for a dump not there yet', async () => {
    const api = await serve((path, _headers, response) => {
      if (path === '/dumps') return json(response, 200, { dumps: [{ id: DUMP }] });
      json(response, 404, { title: 'Not Found', detail: `no dump ${DUMP}` });
    });
    const client = new RemoteApi(api.url, bearerAuthoriser('t'));
    expect(await client.listDumps()).toEqual([{ id: DUMP }]);
    expect(await client.summary(DUMP)).toBeNull();
  });

  it('a refusal names what to give', async () => {
    const api = await serve((_path, _headers, response) => json(response, 403, { message: 'Forbidden' }));
    await expect(new RemoteApi(api.url, bearerAuthoriser('t')).summary(DUMP)).rejects.toThrow(
      'the API answered 403 for dumps/' + DUMP + ': Forbidden (give a token with --token or $LEAKPROOF_TOKEN, or use AWS credentials allowed to invoke the API)',
    );
  });

  it('an unreachable API and a URL that is none are one-line errors', async () => {
    const api = await serve(() => {});
    servers.splice(0).forEach((server) => server.close());
    await expect(new RemoteApi(api.url, bearerAuthoriser('t')).listDumps()).rejects.toThrow(/^cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/);
    expect(() => new RemoteApi('ftp://x/', bearerAuthoriser('t'))).toThrow('not an API URL: ftp://x/');
  });
});

describe('regionOfApiUrl', () => {
  it('reads the region of an API Gateway URL, and none of another', () => {
    expect(regionOfApiUrl(new URL('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/'))).toBe('eu-west-1');
    expect(regionOfApiUrl(new URL('https://leakproof.example.org/'))).toBeUndefined();
  });
});
