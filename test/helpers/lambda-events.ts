/**
 * Lambda events and contexts as AWS delivers them, for calling the handlers directly against the emulators.
 *
 * The Lambda runtime is the one part with no emulator: the S3 notification, the SQS event source mapping (see
 * event-source-mapping.ts) and the invocation context are rebuilt here, field for field as AWS documents and
 * sends them, so a handler cannot lean on a shape the real service would not give it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, Context, S3Event, S3EventRecord, ScheduledEvent, SQSEvent, SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

const DEFAULT_REGION = 'us-east-1';

// ---------------------------------------------------------------------------------------------------------------
// S3

export interface S3ObjectCreatedInput {
  bucket: string;
  /** The object's key as stored (not encoded: the builder encodes it as S3 does). */
  key: string;
  size: number;
  /** With or without the quotes of the ETag header: the event carries it bare. */
  eTag: string;
  region?: string;
  versionId?: string;
  /** Defaults to 'ObjectCreated:Put'; CompleteMultipartUpload uploads arrive as 'ObjectCreated:CompleteMultipartUpload'. */
  eventName?: string;
  eventTime?: Date;
}

/**
 * One ObjectCreated notification record in an S3Event, as S3 sends it to Lambda: eventVersion '2.1', the key
 * URL-encoded (see encodeS3EventKey), the ETag unquoted, a hex sequencer, request ids, owner and principal ids.
 */
export function s3ObjectCreatedEvent(input: S3ObjectCreatedInput): S3Event {
  return { Records: [s3ObjectCreatedRecord(input)] };
}

export function s3ObjectCreatedRecord(input: S3ObjectCreatedInput): S3EventRecord {
  const region = input.region ?? DEFAULT_REGION;
  const eventTime = input.eventTime ?? new Date();
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: eventTime.toISOString(),
    eventName: input.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: `AWS:AIDA${upperAlphanumeric(17)}` },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
      'x-amz-id-2': randomBytes(57).toString('base64'),
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'leakproof-uploads',
      bucket: {
        name: input.bucket,
        ownerIdentity: { principalId: upperAlphanumeric(14) },
        arn: `arn:aws:s3:::${input.bucket}`,
      },
      object: {
        key: encodeS3EventKey(input.key),
        size: input.size,
        eTag: input.eTag.replace(/^"|"$/g, ''),
        ...(input.versionId !== undefined ? { versionId: input.versionId } : {}),
        sequencer: sequencer(eventTime),
      },
    },
  };
}

/**
 * The event for an object already in the bucket: size and ETag read back with HeadObject, as S3 would report them.
 */
export async function s3ObjectCreatedEventFor(
  s3: S3Client,
  bucket: string,
  key: string,
  options: { region?: string; eventName?: string } = {},
): Promise<S3Event> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  if (head.ContentLength === undefined || head.ETag === undefined) throw new Error(`HeadObject ${bucket}/${key}: no size or ETag`);
  return s3ObjectCreatedEvent({
    bucket,
    key,
    size: head.ContentLength,
    eTag: head.ETag,
    ...options,
    ...(head.VersionId !== undefined ? { versionId: head.VersionId } : {}),
  });
}

/**
 * Keys in S3 notifications are form-URL-encoded ("red flower.jpg" becomes "red+flower.jpg", per the S3 docs):
 * bytes of UTF-8 outside [A-Za-z0-9-_.*] become %XX, a space becomes '+', and '/' is left as it is (what S3
 * sends today; '=' arrives as %3D, ':' as %3A, '(' as %28, '+' itself as %2B). Handlers must undo it with
 * decodeURIComponent(key.replace(/\+/g, ' ')).
 */
export function encodeS3EventKey(key: string): string {
  let encoded = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.*/]/.test(char)) encoded += char;
    else if (char === ' ') encoded += '+';
    else encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** S3's sequencer: a hex string that grows with time for one key (used to order events on the same object). */
let sequence = 0;
function sequencer(time: Date): string {
  sequence = (sequence + 1) % 0x10000;
  return `00${time.getTime().toString(16).toUpperCase().padStart(12, '0')}${sequence.toString(16).toUpperCase().padStart(4, '0')}`;
}

function upperAlphanumeric(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

// ---------------------------------------------------------------------------------------------------------------
// SQS

/**
 * The SQSEvent Lambda's event source mapping builds from received messages. The messages must come from
 * ReceiveMessage with AttributeNames/MessageSystemAttributeNames ['All'] and MessageAttributeNames ['All'], as the
 * mapping asks for them; without the system attributes this throws rather than invent them.
 */
export function sqsEventFrom(messages: readonly Message[], queueArn: string, region: string = regionOfArn(queueArn)): SQSEvent {
  return { Records: messages.map((message) => sqsRecordFrom(message, queueArn, region)) };
}

export function sqsRecordFrom(message: Message, queueArn: string, region: string = regionOfArn(queueArn)): SQSRecord {
  const { MessageId, ReceiptHandle, Body, MD5OfBody, Attributes } = message;
  if (MessageId === undefined || ReceiptHandle === undefined || Body === undefined || MD5OfBody === undefined) {
    throw new Error('sqsEventFrom: a message without MessageId, ReceiptHandle, Body or MD5OfBody');
  }
  const system = (name: string): string => {
    const value = Attributes?.[name as keyof typeof Attributes];
    if (value === undefined) throw new Error(`sqsEventFrom: message ${MessageId} has no ${name}; receive with AttributeNames ['All']`);
    return value;
  };
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: system('ApproximateReceiveCount'),
    SentTimestamp: system('SentTimestamp'),
    SenderId: system('SenderId'),
    ApproximateFirstReceiveTimestamp: system('ApproximateFirstReceiveTimestamp'),
  };
  // Present only when SQS has them (traced senders, FIFO queues, redriven messages), as in Lambda's records.
  for (const name of ['AWSTraceHeader', 'SequenceNumber', 'MessageGroupId', 'MessageDeduplicationId', 'DeadLetterQueueSourceArn'] as const) {
    const value = Attributes?.[name as keyof typeof Attributes];
    if (value !== undefined) attributes[name] = value;
  }
  const messageAttributes: Record<string, SQSMessageAttribute> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) messageAttributes[name] = lambdaMessageAttribute(value);
  return {
    messageId: MessageId,
    receiptHandle: ReceiptHandle,
    body: Body,
    attributes,
    messageAttributes,
    md5OfBody: MD5OfBody,
    ...(message.MD5OfMessageAttributes !== undefined ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** Lambda renames SQS's attribute fields to lower camel case, base64-encodes binaries and always lists the (unused) lists. */
function lambdaMessageAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
  return {
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(base64),
    dataType: value.DataType ?? 'String',
  };
}

function regionOfArn(arn: string): string {
  return arn.split(':')[3] || DEFAULT_REGION;
}

// ---------------------------------------------------------------------------------------------------------------
// EventBridge

export interface ScheduledEventInput {
  /** The rule's ARN, or its name (the ARN is then built in the region and account). */
  rule?: string;
  region?: string;
  accountId?: string;
  /** The scheduled time; EventBridge writes it to the second, without milliseconds. */
  time?: Date;
}

/**
 * The event an EventBridge schedule rule sends its Lambda target: version '0', a fresh id, detail-type
 * 'Scheduled Event', source 'aws.events', the rule's ARN in resources, an empty detail object.
 */
export function scheduledEvent(input: ScheduledEventInput = {}): ScheduledEvent {
  const region = input.region ?? DEFAULT_REGION;
  const account = input.accountId ?? '000000000000';
  const rule = input.rule ?? 'leakproof-reverify';
  const time = input.time ?? new Date();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [rule.startsWith('arn:') ? rule : `arn:aws:events:${region}:${account}:rule/${rule}`],
    detail: {},
  };
}

// ---------------------------------------------------------------------------------------------------------------
// API Gateway HTTP API (payload format 2.0)

/** A route of an HTTP API as API Gateway names it: "GET /dumps/{id}" ({name+} takes the rest of the path). */
export interface HttpApiRoute {
  method: string;
  path: string;
}

export type HttpApiAuthorizer =
  | { iam: { accessKey: string; accountId: string; callerId: string; cognitoIdentity: null; principalOrgId: null; userArn: string; userId: string } }
  | { jwt: { claims: Record<string, string | number | boolean | string[]>; scopes: string[] | null } };

export interface HttpApiEventInput {
  method?: string;
  /** Path and query as the client sent them (still URL-encoded): "/dumps/ab12/messages?verdict=failed&limit=10". */
  url: string;
  /** Request headers; names are lower-cased as API Gateway does. */
  headers?: Record<string, string>;
  /** A string arrives as text; a Buffer base64-encoded with isBase64Encoded, as API Gateway passes binary bodies. */
  body?: string | Buffer;
  /**
   * The API's routes: the event names the one that matched (routeKey, pathParameters), and a request no route
   * matches throws, since API Gateway would answer it with its own 404 and never invoke the function. Without
   * them: the $default route.
   */
  routes?: readonly HttpApiRoute[];
  /** What the route's authoriser established; defaults to an IAM caller (SigV4), as the stack's default. */
  authorizer?: HttpApiAuthorizer | null;
  region?: string;
  accountId?: string;
  sourceIp?: string;
  time?: Date;
}

/**
 * The event API Gateway's HTTP API sends a Lambda integration with payload format 2.0, as documented: version
 * "2.0", rawPath and rawQueryString as sent, headers lower-cased (repeats joined by commas), queryStringParameters
 * decoded (repeats joined by commas), cookies apart, `body` absent when there is none, requestContext with http,
 * the authoriser's identity, request id and time in API Gateway's format.
 */
export function httpApiEvent(input: HttpApiEventInput): APIGatewayProxyEventV2 {
  const method = (input.method ?? 'GET').toUpperCase();
  const region = input.region ?? DEFAULT_REGION;
  const accountId = input.accountId ?? '000000000000';
  const apiId = lowerAlphanumeric(10);
  const domainName = `${apiId}.execute-api.${region}.amazonaws.com`;
  const time = input.time ?? new Date();
  const queryAt = input.url.indexOf('?');
  const rawPath = queryAt === -1 ? input.url : input.url.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : input.url.slice(queryAt + 1);
  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const name of new Set(query.keys())) queryStringParameters[name] = query.getAll(name).join(',');
  const body = input.body;
  const userAgent = input.headers?.['user-agent'] ?? 'leakproof-test';
  const sourceIp = input.sourceIp ?? '192.0.2.10';
  const headers: Record<string, string> = {
    accept: '*/*',
    host: domainName,
    'user-agent': userAgent,
    'x-amzn-trace-id': `Root=1-${Math.floor(time.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    'x-forwarded-for': sourceIp,
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
    ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
  };
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const key = name.toLowerCase();
    if (key === 'cookie') cookies.push(...value.split(';').map((cookie) => cookie.trim()));
    else headers[key] = headers[key] !== undefined && key !== 'user-agent' && key !== 'host' ? `${headers[key]},${value}` : value;
  }
  const route = input.routes ? matchRoute(input.routes, method, rawPath) : { routeKey: '$default', pathParameters: undefined };
  const authorizer =
    input.authorizer === null
      ? undefined
      : (input.authorizer ?? {
          iam: {
            accessKey: `ASIA${upperAlphanumeric(16)}`,
            accountId,
            callerId: `AROA${upperAlphanumeric(17)}:investigator`,
            cognitoIdentity: null,
            principalOrgId: null,
            userArn: `arn:aws:sts::${accountId}:assumed-role/investigator/investigator`,
            userId: `AROA${upperAlphanumeric(17)}:investigator`,
          },
        });
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(rawQueryString !== '' ? { queryStringParameters } : {}),
    requestContext: {
      accountId,
      apiId,
      ...(authorizer ? { authorizer: authorizer as never } : {}),
      domainName,
      domainPrefix: apiId,
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp, userAgent },
      requestId: `${randomBytes(6).toString('base64url')}EMA=`,
      routeKey: route.routeKey,
      stage: '$default',
      time: apiGatewayTime(time),
      timeEpoch: time.getTime(),
    },
    ...(route.pathParameters ? { pathParameters: route.pathParameters } : {}),
    ...(body !== undefined
      ? Buffer.isBuffer(body)
        ? { body: body.toString('base64'), isBase64Encoded: true }
        : { body, isBase64Encoded: false }
      : { isBase64Encoded: false }),
  };
}

/** The route API Gateway picks: the one with the most literal segments among those matching. */
function matchRoute(routes: readonly HttpApiRoute[], method: string, rawPath: string): { routeKey: string; pathParameters: Record<string, string> | undefined } {
  const candidates = routes
    .filter((route) => route.method.toUpperCase() === method || route.method.toUpperCase() === 'ANY')
    .map((route) => {
      const names: string[] = [];
      const pattern = route.path
        .split('/')
        .map((segment) => {
          const parameter = /^\{([^}+]+)(\+?)\}$/.exec(segment);
          if (!parameter) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(parameter[1]!);
          return parameter[2] ? '(.+)' : '([^/]+)';
        })
        .join('/');
      const match = new RegExp(`^${pattern}$`).exec(rawPath);
      return { route, names, match, literal: route.path.split('/').filter((segment) => !segment.startsWith('{')).length };
    })
    .filter((candidate) => candidate.match !== null)
    .sort((a, b) => b.literal - a.literal);
  const best = candidates[0];
  if (!best) throw new Error(`httpApiEvent: no route of the API matches ${method} ${rawPath}: API Gateway answers it with 404 itself`);
  const pathParameters = Object.fromEntries(best.names.map((name, i) => [name, decodeURIComponent(best.match![i + 1]!)]));
  return { routeKey: `${best.route.method.toUpperCase()} ${best.route.path}`, pathParameters: best.names.length > 0 ? pathParameters : undefined };
}

/** "12/Mar/2020:19:03:58 +0000", as requestContext.time has it. */
function apiGatewayTime(time: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(time.getUTCDate())}/${months[time.getUTCMonth()]}/${time.getUTCFullYear()}:${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} +0000`;
}

function lowerAlphanumeric(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Context

export interface LambdaContextOptions {
  functionName?: string;
  functionVersion?: string;
  memoryLimitInMB?: number;
  region?: string;
  accountId?: string;
  awsRequestId?: string;
  /** The function's timeout: getRemainingTimeInMillis counts down from it, in real time, from the builder's call. */
  timeoutMs?: number;
  /** Overrides the countdown: a fixed number, or a function asked on every call (to test "running out of time"). */
  remainingTimeInMillis?: number | (() => number);
}

/**
 * A fake invocation Context (no emulator exists for the Lambda runtime itself). Each call gives a fresh
 * awsRequestId; the deprecated done/fail/succeed throw, since handlers here are async.
 */
export function lambdaContext(options: LambdaContextOptions = {}): Context {
  const functionName = options.functionName ?? 'leakproof-test';
  const functionVersion = options.functionVersion ?? '$LATEST';
  const region = options.region ?? DEFAULT_REGION;
  const accountId = options.accountId ?? '000000000000';
  const timeoutMs = options.timeoutMs ?? 900_000;
  const deadline = Date.now() + timeoutMs;
  const remaining = options.remainingTimeInMillis;
  const today = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const deprecated = (name: string) => (): never => {
    throw new Error(`context.${name}() is deprecated and not supported by the test context; return or throw from the handler`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion,
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${today}/[${functionVersion}]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () =>
      typeof remaining === 'function' ? remaining() : typeof remaining === 'number' ? remaining : Math.max(0, deadline - Date.now()),
    done: deprecated('done'),
    fail: deprecated('fail'),
    succeed: deprecated('succeed'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Asynchronous invocation records (on-failure destinations)

export interface AsyncInvocationFailureInput {
  /** The event Lambda was asked to run (an S3 notification here). */
  requestPayload: unknown;
  functionName?: string;
  region?: string;
  accountId?: string;
  /** RetriesExhausted (the default), EventAgeExceeded. */
  condition?: 'RetriesExhausted' | 'EventAgeExceeded';
  /** Attempts made: the first and its retries (3 with the default two retries). */
  approximateInvokeCount?: number;
  /** What the last attempt threw; absent for EventAgeExceeded when no attempt ran. */
  error?: Error;
  time?: Date;
}

/**
 * The invocation record Lambda sends an on-failure destination (SQS, SNS, Lambda, EventBridge) once an
 * asynchronous invocation has failed all its attempts or grown too old, as documented in "Capturing records of
 * Lambda asynchronous invocations": version '1.0', requestContext (request id, function ARN with its qualifier,
 * condition, approximateInvokeCount), the original event as requestPayload, and for a function error a
 * responseContext with functionError 'Unhandled' and the error as Lambda serialised it (errorType, errorMessage,
 * trace). Lambda's retries themselves are not emulated: the test makes the attempts.
 */
export function asyncInvocationFailureRecord(input: AsyncInvocationFailureInput): Record<string, unknown> {
  const region = input.region ?? DEFAULT_REGION;
  const accountId = input.accountId ?? '000000000000';
  const functionName = input.functionName ?? 'leakproof-test';
  const error = input.error;
  return {
    version: '1.0',
    timestamp: (input.time ?? new Date()).toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}:$LATEST`,
      condition: input.condition ?? 'RetriesExhausted',
      approximateInvokeCount: input.approximateInvokeCount ?? 3,
    },
    requestPayload: input.requestPayload,
    ...(error
      ? {
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          responsePayload: { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') },
        }
      : {}),
  };
}
