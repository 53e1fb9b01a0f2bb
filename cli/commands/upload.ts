import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { awsClients } from '../../shared/adapters/aws/clients.ts';
import { partSizeFor, SHA256_METADATA, uploadResumably, type FileToUpload } from '../../shared/adapters/aws/s3-resumable-upload.ts';
import { dumpIdOf } from '../../shared/adapters/aws/s3-upload.ts';
import { uploadKey } from '../../shared/adapters/aws/upload-key.ts';
import { resolveHome } from '../../shared/adapters/local/local-home.ts';
import { fingerprintDump } from '../../shared/dump/fingerprint.ts';
import { apiUrlFor, connectApi, resolveDeployment, type DeploymentFlags } from '../deployment.ts';
import { tokenOf } from '../token.ts';
import { DumpFailedError, followDump } from '../follow-dump.ts';
import { meter } from '../meter.ts';
import { summaryTable } from '../summary-table.ts';
import { uploadStateFile } from '../upload-state.ts';

export interface UploadFlags extends DeploymentFlags {
  /** False with --no-wait: return once the upload is complete. */
  wait: boolean;
  json?: boolean;
  home?: string;
  /** Bytes per part (hidden; tests use small parts, which only S3 emulators accept). */
  partSize?: number;
  /** Milliseconds between two looks at the dump (hidden; tests). */
  pollInterval?: number;
}

/** What the command runs on, given by tests; by default built from the environment as the SDK does. */
export interface UploadDependencies {
  s3?: S3Client;
  cloudFormation?: Pick<CloudFormationClient, 'send'>;
  signal?: AbortSignal;
}

/**
 * `leakproof upload <file> [--stack NAME | --bucket B --api URL] [--no-wait]`: sends a dump to the stack's bucket
 * (parallel multipart parts, each checksummed, resumable), then follows it through the API until it is complete
 * and prints the same summary as a local ingest.
 */
export async function uploadCommand(path: string, flags: UploadFlags, dependencies: UploadDependencies = {}, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const deployment = await resolveDeployment(flags, dependencies.cloudFormation ? () => dependencies.cloudFormation! : undefined);
  const bucket = deployment.bucket;
  if (bucket === undefined) throw new Error('say where to upload: --stack NAME, or --bucket BUCKET (with --api URL to follow the dump)');
  const token = tokenOf(flags, env);
  const apiUrl = apiUrlFor(deployment, token);
  if (flags.wait && apiUrl === undefined) throw new Error('give --api URL to follow the dump through the API, or --no-wait');
  const api = apiUrl === undefined ? null : connectApi(apiUrl, token, flags.pollInterval ? { pollMs: flags.pollInterval } : {});

  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new Error(`cannot upload ${path}: upload takes one file (a zip or an mbox; zip a folder first)`);
  if (info.size === 0) throw new Error(`cannot upload ${path}: the file is empty`);

  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  const signal = dependencies.signal ? AbortSignal.any([dependencies.signal, controller.signal]) : controller.signal;
  try {
    const checksumming = meter('checksum', { unit: 'bytes' });
    const { id: sha256 } = await fingerprintDump(path, (bytes) => checksumming.update(bytes, info.size));
    checksumming.stop();
    const file: FileToUpload = { path, size: info.size, mtimeMs: info.mtimeMs, sha256 };
    const key = uploadKey(deployment.uploadsPrefix, sha256, basename(path));
    const s3 = dependencies.s3 ?? awsClients(env).s3;

    const before = await headObject(s3, bucket, key);
    const alreadyThere = before !== null && before.sha256 === sha256 && before.size === info.size;
    if (alreadyThere) {
      process.stderr.write('leakproof: this file is already in the bucket; not uploaded again\n');
    } else {
      const sending = meter('upload', { unit: 'bytes' });
      const state = uploadStateFile(resolveHome(flags.home), bucket, key);
      try {
        const outcome = await uploadResumably(s3, file, { bucket, key }, {
          state,
          partSize: flags.partSize ?? partSizeFor(info.size),
          signal,
          onProgress: ({ bytes, total }) => sending.update(bytes, total),
        });
        sending.stop();
        if (outcome.resumed) process.stderr.write(`leakproof: resumed an earlier upload: ${outcome.partsKept === 1 ? '1 part was' : `${outcome.partsKept} parts were`} already there, ${outcome.partsSent} sent\n`);
      } catch (error) {
        sending.stop();
        if (signal.aborted) {
          process.stderr.write('leakproof: upload interrupted; run the same command again to resume it (S3 keeps the parts for 7 days)\n');
          return 130;
        }
        throw new Error(`upload failed: ${(error as Error).message}; run the same command again to resume it`);
      }
    }

    // The splitter names the dump by the object's ETag, read the same way: the id to follow (read again only
    // when this run uploaded it).
    const uploaded = alreadyThere ? before : await headObject(s3, bucket, key);
    if (!uploaded) throw new Error(`the upload completed but s3://${bucket}/${key} cannot be read back`);
    const dumpId = dumpIdOf(bucket, key, uploaded.etag);
    process.stderr.write(`leakproof: uploaded to s3://${bucket}/${key}; dump ${dumpId}\n`);
    if (!flags.wait || !api) {
      process.stdout.write(flags.json ? JSON.stringify({ dumpId, bucket, key, sha256 }, null, 2) + '\n' : `${dumpId}\n`);
      return 0;
    }

    const verifying = meter('verify', { unit: 'entries' });
    try {
      const summary = await followDump(api, dumpId, {
        ...(flags.pollInterval ? { pollMs: flags.pollInterval } : {}),
        signal,
        onProgress: (dump) => verifying.update(dump.processed, Math.max(dump.located ?? 0, dump.processed), dump.status),
      });
      verifying.stop();
      process.stdout.write((flags.json ? JSON.stringify(summary, null, 2) : summaryTable(summary)) + '\n');
      return 0;
    } catch (error) {
      verifying.stop();
      if (error instanceof DumpFailedError) {
        process.stdout.write((flags.json ? JSON.stringify(error.summary, null, 2) : summaryTable(error.summary)) + '\n');
        throw error;
      }
      if (signal.aborted) {
        process.stderr.write(`leakproof: stopped following; the stack goes on. See it later with: leakproof summary --api ${apiUrl} --dump ${dumpId.slice(0, 12)}\n`);
        return 130;
      }
      throw error;
    }
  } finally {
    process.off('SIGINT', interrupt);
  }
}

async function headObject(s3: S3Client, bucket: string, key: string): Promise<{ etag: string; size: number; sha256: string | undefined } | null> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { etag: head.ETag ?? '', size: head.ContentLength ?? 0, sha256: head.Metadata?.[SHA256_METADATA] };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NotFound' || name === 'NoSuchKey') return null;
    throw error;
  }
}
