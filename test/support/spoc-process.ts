import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/spoc.js', import.meta.url));

/** Runs one `spoc` command to completion. */
export function runSpoc(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A running `spoc dev` child process. */
export interface SpocDev {
  child: ChildProcess;
  smtpPort: number;
  output: () => string;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `spoc dev` and waits for its banner. */
export function startSpocDev(env: NodeJS.ProcessEnv): Promise<SpocDev> {
  const child = spawn(process.execPath, [bin, 'dev'], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`spoc dev did not start:\n${output}`)), 60_000);
    const check = () => {
      const match = /SMTP inbound\s+127\.0\.0\.1:(\d+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      resolve({
        child,
        smtpPort: Number(match[1]),
        output: () => output,
        stop: () => {
          child.kill('SIGINT');
          return exited;
        },
      });
    };
    child.stdout.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`spoc dev exited with ${code}:\n${output}`));
    });
  });
}
