import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/** moto_server is not on PATH: the AWS wiring tests need it (`pip install 'moto[server]==5.2.1'`). */
export class MotoServerMissingError extends Error {
  override readonly name = 'MotoServerMissingError';
}

/** A moto_server this test process started, and how to read what it recorded. */
export interface MotoServer {
  endpoint: string;
  /** Raw mails moto's SES recorded as sent (v1 SendRawEmail and v2 SendEmail with raw content). */
  sentRawMails(): Promise<Array<{ source: string; destinations: string[]; raw: string }>>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `moto_server` on a free loopback port and waits until it answers. Throws
 * {@link MotoServerMissingError} (naming moto_server) when it is not installed.
 */
export async function startMotoServer(): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Not found is known from the start itself, rather than from a `moto_server --help` run first: that
  // loads moto once more, a second or two of CPU.
  let spawnError: NodeJS.ErrnoException | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (spawnError?.code === 'ENOENT') {
      throw new MotoServerMissingError(
        "moto_server was not found on PATH; the AWS wiring tests run against it: pip install 'moto[server]==5.2.1'",
        { cause: spawnError },
      );
    }
    if (spawnError !== undefined || child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not start on port ${port}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    async sentRawMails() {
      const data = (await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as {
        ses?: { RawMessage?: Array<{ source: string; destinations: string[]; raw_data: string }> };
      };
      return (data.ses?.RawMessage ?? []).map((m) => ({
        source: m.source,
        destinations: m.destinations,
        raw: m.raw_data,
      }));
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/**
 * An HTTP proxy in front of an endpoint that keeps every request body: moto does not record the
 * parameters of SES v2 `SendEmail` beyond the mail itself, so the configuration set is read here.
 */
export async function startRecordingProxy(target: string): Promise<{
  endpoint: string;
  bodies: string[];
  stop(): Promise<void>;
}> {
  const bodies: string[] = [];
  const targetUrl = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(body.toString('utf8'));
      const forward = httpRequest(
        {
          host: targetUrl.hostname,
          port: targetUrl.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: targetUrl.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bodies,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * One SNS query-API call to moto (the project has no SNS client: only SES and SQS talk to SNS in
 * production). Returns the text of the `pick` element of the answer, when asked.
 */
export async function snsAction(
  endpoint: string,
  action: string,
  params: Record<string, string>,
  pick?: string,
): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ Action: action, Version: '2010-03-31', ...params }).toString(),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`SNS ${action} failed on moto: ${text}`);
  if (!pick) return '';
  const start = text.indexOf(`<${pick}>`);
  const end = text.indexOf(`</${pick}>`);
  if (start < 0 || end < 0) throw new Error(`SNS ${action} answered without ${pick}: ${text}`);
  return text.slice(start + pick.length + 2, end);
}
