import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DUMPS_TABLE, KEYS_TABLE, VERDICTS_TABLE } from '../shared/adapters/aws/table-design.ts';

interface KeyDesign {
  partitionKey: string;
  sortKey: string;
}
interface IndexDesign extends KeyDesign {
  indexName: string;
}

/** The indexes a table design names: its members that have an indexName. */
function indexesOf(design: object): IndexDesign[] {
  return Object.values(design).filter(
    (value): value is IndexDesign => typeof value === 'object' && value !== null && 'indexName' in value,
  );
}

/**
 * The three DynamoDB tables, keyed and indexed as shared/adapters/aws/table-design.ts says (the adapters read
 * the same names). On demand, point-in-time recovery, AWS-managed encryption, kept when the stack goes:
 * verdicts and archived keys are evidence. Indexes project every attribute, so a listing is one Query.
 */
export class VerdictTables extends Construct {
  readonly dumps: dynamodb.Table;
  readonly verdicts: dynamodb.Table;
  readonly keys: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const string = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    const table = (tableId: string, design: KeyDesign): dynamodb.Table => {
      const created = new dynamodb.Table(this, tableId, {
        partitionKey: string(design.partitionKey),
        sortKey: string(design.sortKey),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const index of indexesOf(design)) {
        created.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: string(index.partitionKey),
          sortKey: string(index.sortKey),
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      return created;
    };

    this.dumps = table('Dumps', DUMPS_TABLE);
    this.verdicts = table('Verdicts', VERDICTS_TABLE);
    this.keys = table('Keys', KEYS_TABLE);
  }
}
