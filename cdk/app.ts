import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lib/domain/errors.js';
import { loadStackConfig } from './load-stack-config.js';
import { addSpocStack } from './spoc-app.js';

// Entry of `cdk synth` / `cdk deploy` (cdk.json: "npx tsx cdk/app.ts").
const app = new App();
try {
  const config = await loadStackConfig(app.node);
  addSpocStack(app, { config });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`spoc-inbox: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
