/**
 * Faults injected between the handlers and the AWS emulators, decided by a seed so that a failing run fails
 * again the same way.
 *
 * The main tool is an HTTP proxy put in front of an emulator's endpoint: the handlers' SDK clients are pointed at
 * it (AWS_ENDPOINT_URL_*), so every fault goes through the SDK's real retry path, as it would against AWS. A rule
 * looks at each request (method, path, headers, body) and forwards it, answers in the emulator's place (a 400
 * ProvisionedThroughputExceededException, a 500 InternalError), resets the connection, forwards it but cuts the
 * answer's body half way, or forwards a rewritten body (a BatchWriteItem of which some items are left
 * unprocessed, as DynamoDB does under throttling). Observers see every request, e.g. to count writes per
 * partition key.
 *
 * Decisions are a hash of (seed, the request's identity, how many times that same request was seen), not draws
 * from one random stream: the handlers run requests concurrently, and the order they arrive in varies from run to
 * run, but each request's fate, and its retry's, does not.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';

export interface ProxiedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What the proxy does with a request. */
export type Fault =
  | { kind: 'forward' }
  /** Forward this body instead; `response` may rewrite the emulator's answer (its body, already read whole). */
  | { kind: 'rewrite'; body: Buffer; response?: (body: Buffer) => Buffer }
  /** Answer in the emulator's place. */
  | { kind: 'answer'; status: number; headers: Record<string, string>; body: string }
  /** Close the connection without an answer (ECONNRESET on the client). */
  | { kind: 'reset' }
  /** Forward, send the answer's status and headers and about half its body, then close the connection. */
  | { kind: 'cut-body' }
  /** Hold the request until `release` settles, then reset it: a client that dies while the request is in flight. */
  | { kind: 'hold'; release: Promise<unknown> };

export type FaultRule = (request: ProxiedRequest) => Fault;

export interface FaultProxy {
  /** Point clients here instead of the emulator. */
  endpoint: string;
  /** The rule in force; replace it between test cases (the default forwards everything). */
  rule: FaultRule;
  /** Called with every request before the rule. */
  observers: Set<(request: ProxiedRequest) => void>;
  /** Requests answered by something else than a plain forward, by fault kind. */
  injected: Record<Fault['kind'], number>;
  stop(): Promise<void>;
}

const FORWARD: FaultRule = () => ({ kind: 'forward' });

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const injected: FaultProxy['injected'] = { forward: 0, rewrite: 0, answer: 0, reset: 0, 'cut-body': 0, hold: 0 };
  const proxy: FaultProxy = { endpoint: '', rule: FORWARD, observers: new Set(), injected, stop: async () => {} };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => req.socket.destroy());
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
    for (const observe of proxy.observers) observe(request);
    const fault = proxy.rule(request);
    if (fault.kind !== 'forward') injected[fault.kind]++;
    switch (fault.kind) {
      case 'answer':
        res.writeHead(fault.status, { ...fault.headers, 'content-length': String(Buffer.byteLength(fault.body)) });
        res.end(fault.body);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'hold':
        await fault.release.catch(() => {});
        req.socket.destroy();
        return;
      case 'forward':
      case 'cut-body':
        return forward(request, req, res, request.body, fault.kind === 'cut-body');
      case 'rewrite':
        return forward(request, req, res, fault.body, false, fault.response);
    }
  }

  function forward(request: ProxiedRequest, req: IncomingMessage, res: ServerResponse, body: Buffer, cut: boolean, rewriteResponse?: (body: Buffer) => Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers = { ...request.headers, host: upstream.host, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const outgoing = httpRequest({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers }, (answer) => {
        const answerHeaders = { ...answer.headers };
        if (rewriteResponse && answer.statusCode === 200) {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('error', reject);
          answer.on('end', () => {
            const rewritten = rewriteResponse(Buffer.concat(parts));
            answerHeaders['content-length'] = String(rewritten.length);
            // DynamoDB's answers carry a CRC-32 of their body.
            if (answerHeaders['x-amz-crc32'] !== undefined) answerHeaders['x-amz-crc32'] = String(crc32(rewritten));
            res.writeHead(answer.statusCode ?? 500, answerHeaders);
            res.end(rewritten, () => resolve());
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 500, answerHeaders);
        if (!cut) {
          answer.pipe(res);
          answer.on('end', () => resolve());
          answer.on('error', reject);
          return;
        }
        // Half the body (of its first chunk, when its length is not announced), then the connection drops: the
        // client has a status and a short body.
        let sent = 0;
        let half = Math.floor(Number(answer.headers['content-length'] ?? NaN) / 2);
        let dropped = false;
        res.flushHeaders();
        answer.on('data', (chunk: Buffer) => {
          if (dropped) return;
          if (!(half >= 0)) half = chunk.length >> 1;
          const part = chunk.subarray(0, Math.max(0, half - sent));
          sent += part.length;
          if (sent < half) {
            res.write(part);
            return;
          }
          dropped = true;
          answer.destroy();
          // Dropped once what was written has left: the client must see the answer begin, then break.
          res.write(part, () => {
            res.socket?.destroy();
            resolve();
          });
        });
        answer.on('end', () => resolve());
      });
      outgoing.on('error', (error) => {
        req.socket.destroy();
        reject(error);
      });
      outgoing.end(body);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}

// ---------------------------------------------------------------------------------------------------------------
// Seeded decisions

/**
 * A seeded coin: `chance(identity, p)` is true for a fraction p of identities, the same for the same seed. A
 * request seen again (a retry) is the next occurrence of its identity and gets a fresh, equally seeded, draw.
 */
export function seededCoin(seed: string): (identity: string, probability: number) => boolean {
  const seen = new Map<string, number>();
  return (text, probability) => {
    const identity = stableIdentity(text);
    const occurrence = seen.get(identity) ?? 0;
    seen.set(identity, occurrence + 1);
    return unitDraw(`${seed}\n${identity}\n${occurrence}`) < probability;
  };
}

/**
 * What stays the same from run to run in a request: resource names lose their unique suffix (see
 * createLeakproofResources), 64-digit hex ids (dump ids hash the bucket's name) and ISO times are blanked.
 */
function stableIdentity(text: string): string {
  return text
    .replace(/-[0-9a-z]{6,10}-[0-9a-f]{8}\b/g, '-*')
    .replace(/[0-9a-f]{64}/g, '#')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, 'T');
}

/** A number in [0, 1) from a hash of `text`. */
function unitDraw(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

// ---------------------------------------------------------------------------------------------------------------
// DynamoDB

const DYNAMODB_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** The operation a DynamoDB request calls ("BatchWriteItem"), from its X-Amz-Target header. */
export function dynamodbOperation(request: ProxiedRequest): string {
  const target = request.headers['x-amz-target'];
  return typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : '';
}

export function isDynamodbWrite(request: ProxiedRequest): boolean {
  return DYNAMODB_WRITES.has(dynamodbOperation(request));
}

const THROTTLED = {
  kind: 'answer',
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.0' },
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  }),
} as const satisfies Fault;

type WriteRequests = Record<string, unknown[]>;

/**
 * Throttles a fraction of DynamoDB's writes as DynamoDB does: a single-item write (or a transaction) is refused
 * with ProvisionedThroughputExceededException; a BatchWriteItem has each of its items throttled on its own and
 * left in UnprocessedItems, and is refused whole only when every one of them is. Reads pass.
 */
export function throttleDynamodbWrites(seed: string, rate: number): FaultRule {
  const coin = seededCoin(seed);
  return (request) => {
    const operation = dynamodbOperation(request);
    if (!DYNAMODB_WRITES.has(operation)) return { kind: 'forward' };
    if (operation !== 'BatchWriteItem') return coin(request.body.toString('latin1'), rate) ? THROTTLED : { kind: 'forward' };
    const input = JSON.parse(request.body.toString('utf8')) as { RequestItems: WriteRequests };
    const kept: WriteRequests = {};
    const unprocessed: WriteRequests = {};
    for (const [table, writes] of Object.entries(input.RequestItems)) {
      for (const write of writes) {
        const side = coin(`${table}\n${JSON.stringify(write)}`, rate) ? unprocessed : kept;
        (side[table] ??= []).push(write);
      }
    }
    if (Object.keys(unprocessed).length === 0) return { kind: 'forward' };
    if (Object.keys(kept).length === 0) return THROTTLED;
    return {
      kind: 'rewrite',
      body: Buffer.from(JSON.stringify({ ...input, RequestItems: kept })),
      response: (body) => {
        const answer = JSON.parse(body.toString('utf8')) as { UnprocessedItems?: WriteRequests };
        const left: WriteRequests = { ...answer.UnprocessedItems };
        for (const [table, writes] of Object.entries(unprocessed)) left[table] = [...(left[table] ?? []), ...writes];
        return Buffer.from(JSON.stringify({ ...answer, UnprocessedItems: left }));
      },
    };
  };
}

/** The key schemas of tables and their indexes, to tell which partition key each write lands on. */
export interface KeySchemas {
  /** Table name → its partition key attribute, and each index's name and partition key attribute. */
  [table: string]: { partitionKey: string; indexes: { name: string; partitionKey: string }[] };
}

/**
 * Counts DynamoDB's writes by partition: "<table>" or "<table>/<index>", then the partition key's value. A
 * BatchWriteItem counts each of its items; an item put also counts a write on each index whose key it carries
 * (an index's partition takes the write too); updates and deletes count on the table's partition only.
 */
export function countWritesByPartition(schemas: KeySchemas): { observe: (request: ProxiedRequest) => void; counts: Map<string, Map<string, number>> } {
  const counts = new Map<string, Map<string, number>>();
  const count = (where: string, key: unknown) => {
    const value = JSON.stringify(key);
    let partitions = counts.get(where);
    if (!partitions) counts.set(where, (partitions = new Map()));
    partitions.set(value, (partitions.get(value) ?? 0) + 1);
  };
  const countItem = (table: string, item: Record<string, unknown> | undefined, isPut: boolean) => {
    const schema = schemas[table];
    if (!schema || !item) return;
    count(table, item[schema.partitionKey]);
    if (isPut) for (const index of schema.indexes) if (item[index.partitionKey] !== undefined) count(`${table}/${index.name}`, item[index.partitionKey]);
  };
  const observe = (request: ProxiedRequest) => {
    const operation = dynamodbOperation(request);
    if (!DYNAMODB_WRITES.has(operation)) return;
    const input = JSON.parse(request.body.toString('utf8')) as Record<string, any>;
    switch (operation) {
      case 'PutItem':
        return countItem(input.TableName, input.Item, true);
      case 'UpdateItem':
      case 'DeleteItem':
        return countItem(input.TableName, input.Key, false);
      case 'BatchWriteItem':
        for (const [table, writes] of Object.entries(input.RequestItems as Record<string, any[]>)) {
          for (const write of writes) countItem(table, write.PutRequest?.Item ?? write.DeleteRequest?.Key, write.PutRequest !== undefined);
        }
        return;
      case 'TransactWriteItems':
        for (const item of input.TransactItems as Record<string, any>[]) {
          const [kind, operationInput] = Object.entries(item)[0]!;
          countItem(operationInput.TableName, operationInput.Item ?? operationInput.Key, kind === 'Put');
        }
    }
  };
  return { observe, counts };
}

// ---------------------------------------------------------------------------------------------------------------
// S3

/**
 * Fails a fraction of S3's ranged GETs: half of them answered 500 InternalError (the SDK retries those), half
 * forwarded with their body cut half way (the SDK has already handed the body over: the reader sees the stream
 * break and the caller must cope). Other requests pass.
 */
export function failRangedGets(seed: string, rate: number): FaultRule {
  const coin = seededCoin(seed);
  const kind = seededCoin(`${seed}/kind`);
  return (request) => {
    if (request.method !== 'GET' || request.headers.range === undefined) return { kind: 'forward' };
    const identity = `${request.url}\n${request.headers.range}`;
    if (!coin(identity, rate)) return { kind: 'forward' };
    if (kind(identity, 0.5)) return { kind: 'cut-body' };
    return {
      kind: 'answer',
      status: 500,
      headers: { 'content-type': 'application/xml' },
      body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>',
    };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// SQS and Lambda

type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void | undefined>;

/**
 * SQS's at-least-once delivery at its worst: every message of every batch handed to two invocations at once (the
 * same message id, as a duplicate delivery has). A message fails if either invocation fails it.
 */
export function deliveredTwice(handler: SqsBatchHandler, secondContext: () => Context): SqsBatchHandler {
  return async (event, context) => {
    const outcomes = await Promise.allSettled([handler(event, context), handler(structuredClone(event), secondContext())]);
    const failed = new Set<string>();
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') throw outcome.reason;
      for (const failure of outcome.value?.batchItemFailures ?? []) failed.add(failure.itemIdentifier);
    }
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/**
 * Lambda's asynchronous invocation (how S3 notifications arrive): an invocation that throws is tried again, twice
 * by default. Returns the errors of the failed tries; throws the last one when every try failed.
 */
export async function invokeAsynchronously<E>(handler: (event: E, context: Context) => Promise<unknown>, event: E, context: () => Context, retries = 2): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      await handler(structuredClone(event), context());
      return errors;
    } catch (error) {
      errors.push(error);
      if (attempt >= retries) throw error;
    }
  }
}

/** A handler invocation in a process of its own, which the test can kill in the middle, as Lambda may. */
export interface ChildInvocation {
  /** The handler's answer; rejects when the process dies first or the handler throws. */
  response: Promise<SQSBatchResponse | null>;
  /** SIGKILL: the process stops wherever it is, nothing after that point runs. */
  kill(): void;
}

const CHILD_INVOCATION = `
const { handler } = await import(process.env.FAULT_HANDLER_MODULE);
const { lambdaContext } = await import(process.env.FAULT_EVENTS_MODULE);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const response = await handler(JSON.parse(input), lambdaContext({ functionName: process.env.FAULT_FUNCTION_NAME }));
process.stdout.write(JSON.stringify(response ?? null));
`;

/**
 * Runs an SQS-triggered handler (a module exporting `handler`) on one event in a child Node process with this
 * environment: the child reaches the emulators (or the fault proxies) over HTTP like any Lambda container.
 */
export function invokeInChildProcess(handlerModule: string, event: SQSEvent, env: Record<string, string>, functionName = 'verify'): ChildInvocation {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_INVOCATION], {
    env: {
      ...process.env,
      ...env,
      NODE_OPTIONS: '',
      FAULT_HANDLER_MODULE: pathToFileURL(handlerModule).href,
      FAULT_EVENTS_MODULE: new URL('./lambda-events.ts', import.meta.url).href,
      FAULT_FUNCTION_NAME: functionName,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 20_000) stderr += chunk;
  });
  const response = new Promise<SQSBatchResponse | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(JSON.parse(stdout) as SQSBatchResponse | null);
      else reject(new Error(`handler process ${signal ? `killed by ${signal}` : `exited with ${code}`}${stderr ? `: ${stderr}` : ''}`));
    });
  });
  child.stdin.end(JSON.stringify(event));
  return { response, kill: () => child.kill('SIGKILL') };
}

/** The repository's root, for handler module paths. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
