import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RawMailStore } from '../../lib/adapters/s3/s3-raw-mail-store.js';
import { RawMailMissingError } from '../../lib/domain/errors.js';
import {
  createLocalS3Client,
  type EmbeddedEngines,
  startEmbeddedEngines,
} from '../../lib/local/embedded-engines.js';

describe('S3RawMailStore on s3rver', () => {
  let engines: EmbeddedEngines;
  let store: S3RawMailStore;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    store = new S3RawMailStore({ client: engines.s3, bucket: engines.bucket });
  });

  afterAll(async () => {
    await engines?.close();
  });

  it('round-trips a 5 MB binary buffer byte for byte', async () => {
    const raw = randomBytes(5 * 1024 * 1024);
    await store.putRaw('inbound/big', raw);
    const read = await store.getRaw('inbound/big');
    expect(Buffer.isBuffer(read)).toBe(true);
    expect(read.byteLength).toBe(raw.byteLength);
    expect(read.equals(raw)).toBe(true);
    const head = await engines.s3.send(new HeadObjectCommand({ Bucket: engines.bucket, Key: 'inbound/big' }));
    expect(head.ContentLength).toBe(raw.byteLength);
    expect(head.ContentType).toBe('message/rfc822');
  });

  it('keeps CRLF and 8-bit bytes of a real message intact', async () => {
    const raw = Buffer.concat([
      Buffer.from(
        'From: =?UTF-8?Q?J=C3=A9r=C3=B4me?= <j@customer.test>\r\nSubject: caf\xe9\r\n\r\n',
        'latin1',
      ),
      Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a]),
    ]);
    await store.putRaw('inbound/crlf', raw);
    expect((await store.getRaw('inbound/crlf')).equals(raw)).toBe(true);
  });

  it.each([
    ['longer', 100],
    ['shorter', -5],
  ])('refuses a body when S3 announced a %s length, instead of returning a partial mail', async (_, by) => {
    await store.putRaw('inbound/mismatch', Buffer.from('Subject: hi\r\n\r\nbody\r\n'));
    // A client that reports another length than S3 sends, as a connection cut mid-body would look.
    const client = createLocalS3Client(engines.endpoints.s3);
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const output = result.output as { ContentLength?: number };
        if (output.ContentLength !== undefined) output.ContentLength += by;
        return result;
      },
      { step: 'initialize', name: 'misstateLength' },
    );
    try {
      const misread = new S3RawMailStore({ client, bucket: engines.bucket });
      await expect(misread.getRaw('inbound/mismatch')).rejects.toThrow(/did not match its length/);
    } finally {
      client.destroy();
    }
  });

  it('overwrites an object on a repeated put', async () => {
    await store.putRaw('inbound/again', Buffer.from('one'));
    await store.putRaw('inbound/again', Buffer.from('two'));
    expect((await store.getRaw('inbound/again')).toString()).toBe('two');
  });

  it('throws RawMailMissingError for a missing key', async () => {
    const error = await store.getRaw('inbound/does-not-exist').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RawMailMissingError);
    expect((error as RawMailMissingError).reason).toBe('raw-mail-missing');
    expect((error as Error).message).toContain('inbound/does-not-exist');
  });

  it('does not hide a missing bucket as a missing mail', async () => {
    const other = new S3RawMailStore({ client: engines.s3, bucket: 'no-such-bucket' });
    const error = await other.getRaw('inbound/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RawMailMissingError);
  });

  it('lists keys under a prefix in key order across pages', async () => {
    const paged = new S3RawMailStore({ client: engines.s3, bucket: engines.bucket, listPageSize: 7 });
    const keys = Array.from({ length: 23 }, (_, i) => `list/${String(i).padStart(3, '0')}`);
    for (const key of [...keys].reverse()) await paged.putRaw(key, Buffer.from(key));
    await paged.putRaw('listing-not-this', Buffer.from('x'));
    expect(await paged.listKeys('list/')).toEqual(keys);
    expect(await paged.listKeys('nothing-here/')).toEqual([]);
  });

  it('signs with temporary credentials for their remaining life and says so, not seven days', async () => {
    const expiration = new Date(Date.now() + 3 * 3600 * 1000);
    const temporary = new S3RawMailStore({
      client: createLocalS3Client(engines.endpoints.s3),
      bucket: engines.bucket,
    });
    // The function's role: a session token, and an end three hours from now.
    temporary['client'].config.credentials = async () => ({
      accessKeyId: 'ASIATEMPORARY',
      secretAccessKey: 'temporary-secret',
      sessionToken: 'session-token',
      expiration,
    });
    const located = await temporary.locate('inbound/located');
    const expires = Number(new URL(located.location).searchParams.get('X-Amz-Expires'));
    expect(expires).toBeGreaterThan(3 * 3600 - 60);
    expect(expires).toBeLessThanOrEqual(3 * 3600);
    expect(Math.abs((located.expiresAt?.getTime() ?? 0) - expiration.getTime())).toBeLessThan(2000);
    // A session token without a known end: the location says it is short-lived.
    temporary['client'].config.credentials = async () => ({
      accessKeyId: 'ASIATEMPORARY',
      secretAccessKey: 'temporary-secret',
      sessionToken: 'session-token',
    });
    expect(await temporary.locate('inbound/located')).toMatchObject({ shortLived: true });
  });

  it('locates a mail with a presigned URL valid for seven days that fetches the bytes', async () => {
    const raw = Buffer.from('Subject: hi\r\n\r\nbody\r\n');
    await store.putRaw('inbound/located', raw);
    const { location, expiresAt } = await store.locate('inbound/located');
    // Long-lived credentials: the link lives its full seven days.
    expect((expiresAt?.getTime() ?? 0) - Date.now()).toBeGreaterThan(7 * 24 * 3600 * 1000 - 60_000);
    const url = new URL(location);
    expect(`${url.protocol}//${url.host}`).toBe(engines.endpoints.s3);
    expect(url.pathname).toBe(`/${engines.bucket}/inbound/located`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(7 * 24 * 3600));
    const response = await fetch(location);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(raw)).toBe(true);
    // The SDK's own read of the same object agrees.
    const direct = await engines.s3.send(
      new GetObjectCommand({ Bucket: engines.bucket, Key: 'inbound/located' }),
    );
    expect(Buffer.from((await direct.Body?.transformToByteArray()) ?? []).equals(raw)).toBe(true);
  });
});
