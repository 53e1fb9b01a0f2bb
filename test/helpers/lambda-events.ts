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
import type { Context, S3Event, S3EventRecord, SQSEvent, SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

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
