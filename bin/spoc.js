#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `spoc` works from a clone without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../lib/cli/main.ts');
