import { en } from 'zod/locales';
import { config } from 'zod/mini';

// zod/mini, unlike zod's classic API, installs no messages of its own: without this every issue would
// read "Invalid input", and the messages naming what is wrong with a config field or a notification
// would be lost. Classic installs the same English messages on its first schema.
config(en());

/**
 * zod's mini API with its English issue messages installed. Every schema module imports zod through
 * here (`import * as z from '…/validation/zod-mini.js'`) so that the messages are in place whichever
 * module is loaded first.
 */
export * from 'zod/mini';
