import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  DUMPS_TABLE,
  KEYS_TABLE,
  POSTINGS_TABLE,
  SORTED_LISTINGS,
  VERDICTS_TABLE,
  indexesOf,
  type IndexDesign,
  type TableDesign,
} from '../shared/adapters/aws/table-design.ts';

export interface VerdictTablesProps {
  /** The first this many of the sorted listings' indexes (SORTED_LISTINGS order), the rest left out; default all. */
  sortedListingIndexes?: number | undefined;
}

const SORTED_INDEXES: readonly IndexDesign[] = Object.values(SORTED_LISTINGS);

/**
 * The four DynamoDB tables, keyed and indexed as shared/adapters/aws/table-design.ts says (the adapters read
 * the same names). On demand, point-in-time recovery, AWS-managed encryption, kept when the stack goes:
 * verdicts and archived keys are evidence. Each index copies what the design names: the listing attributes for
 * the verdict indexes, so a listing is one Query without storing every record's evidence twice. A table whose
 * design names a TTL attribute has TTL on (the dumps table: its counted-once markers expire).
 *
 * CloudFormation creates or deletes one index of a table per update: a stack deployed before the four sorted
 * listings' indexes takes them over four deployments, `-c sortedListingIndexes=1`, then 2, 3, and none given.
 * A sort whose index is not there yet answers 400 (dynamo-message-listing.ts).
 */
export class VerdictTables extends Construct {
  readonly dumps: dynamodb.Table;
  readonly verdicts: dynamodb.Table;
  readonly postings: dynamodb.Table;
  readonly keys: dynamodb.Table;

  constructor(scope: Construct, id: string, props: VerdictTablesProps = {}) {
    super(scope, id);
    const sortedIndexes = props.sortedListingIndexes ?? SORTED_INDEXES.length;
    if (!Number.isInteger(sortedIndexes) || sortedIndexes < 0 || sortedIndexes > SORTED_INDEXES.length) {
      throw new Error(`sortedListingIndexes must be a whole number from 0 to ${SORTED_INDEXES.length}, not ${sortedIndexes}`);
    }
    const leftOut = new Set(SORTED_INDEXES.slice(sortedIndexes));
    const string = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    const table = (tableId: string, design: TableDesign): dynamodb.Table => {
      const created = new dynamodb.Table(this, tableId, {
        partitionKey: string(design.partitionKey),
        sortKey: string(design.sortKey),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        removalPolicy: RemovalPolicy.RETAIN,
        ...(design.timeToLive === undefined ? {} : { timeToLiveAttribute: design.timeToLive }),
      });
      for (const index of indexesOf(design).filter((index) => !leftOut.has(index))) {
        created.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: string(index.partitionKey),
          sortKey: string(index.sortKey),
          ...(index.projection === 'all'
            ? { projectionType: dynamodb.ProjectionType.ALL }
            : { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection] }),
        });
      }
      return created;
    };

    this.dumps = table('Dumps', DUMPS_TABLE);
    this.verdicts = table('Verdicts', VERDICTS_TABLE);
    this.postings = table('Postings', POSTINGS_TABLE);
    this.keys = table('Keys', KEYS_TABLE);
  }
}
