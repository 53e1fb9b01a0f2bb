import { App } from 'aws-cdk-lib';
import { LeakproofStack } from './leakproof-stack.ts';

const app = new App();
new LeakproofStack(app, 'Leakproof');
