import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackPropsFromContext } from './context.ts';
import { LeakproofStack } from './leakproof-stack.ts';

const app = new App();
new LeakproofStack(app, 'Leakproof', stackPropsFromContext(app.node));
// cdk-nag's AWS Solutions rules run at synthesis: an unacknowledged finding fails `cdk synth` and `cdk deploy`.
// Acknowledgements (with their reasons) are also written into the template's Metadata, for the audit trail.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
