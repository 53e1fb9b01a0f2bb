import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EXPORTS_PREFIX, STAGING_PREFIX } from '../shared/adapters/aws/settings.ts';

export interface DumpStorageProps {
  /** Days a staged message (a member of a nested zip or mbox, copied out by the splitter) is kept. */
  stagingExpiration: Duration;
  /** Days an export the API wrote (fetched through a 15-minute presigned URL) is kept. */
  exportExpiration: Duration;
}

/**
 * The dumps bucket (uploads/ in, staging/ for messages that cannot be read in place, exports/ for the API's
 * downloads) and the bucket that receives its server access logs. Both private, TLS-only, S3-managed
 * encryption; kept when the stack goes.
 */
export class DumpStorage extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: DumpStorageProps) {
    super(scope, id);
    // Log delivery is granted by a bucket policy, not the LogDeliveryWrite ACL: new buckets refuse ACLs.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const privateBucket = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...privateBucket,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the target of the dumps bucket server access logs; logging it would log the logs.',
    });

    this.bucket = new s3.Bucket(this, 'Dumps', {
      ...privateBucket,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'dumps/',
      lifecycleRules: [
        { id: 'expire-staging', prefix: STAGING_PREFIX, expiration: props.stagingExpiration },
        // An export cut short (the API function timed out) leaves an unfinished upload: gone as soon as the export would be.
        { id: 'expire-exports', prefix: EXPORTS_PREFIX, expiration: props.exportExpiration, abortIncompleteMultipartUploadAfter: props.exportExpiration },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
  }
}
