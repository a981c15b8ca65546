/** Where a command writes; injected so commands are tested without a terminal. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A wrong invocation: the message says what to type instead. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
