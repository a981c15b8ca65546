import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { RawMailMissingError } from '../../domain/errors.js';
import type { RawMailLocation, RawMailStore } from '../../ports/raw-mail-store.js';

/** Seven days: the longest a SigV4 presigned URL may live. */
const PRESIGN_EXPIRES_SECONDS = 7 * 24 * 60 * 60;

/** Constructor options of {@link S3RawMailStore}. */
export interface S3RawMailStoreOptions {
  /** An S3 client created once by the caller. */
  client: S3Client;
  bucket: string;
  /** Keys per `ListObjects` page (1–1000); default 1000. */
  listPageSize?: number;
}

/**
 * {@link RawMailStore} over one S3 bucket. Objects are whole raw MIME messages; only a data-protection
 * request (`spoc forget`) deletes.
 */
export class S3RawMailStore implements RawMailStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly listPageSize: number;

  constructor(options: S3RawMailStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.listPageSize = options.listPageSize ?? 1000;
  }

  async getRaw(key: string, options: { signal?: AbortSignal } = {}): Promise<Buffer> {
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      if (!result.Body) throw new RawMailMissingError(key);
      if (result.Body instanceof Readable && result.ContentLength !== undefined) {
        return await readExactly(result.Body, result.ContentLength, key);
      }
      const bytes = await result.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (isMissingKey(error)) throw new RawMailMissingError(key, { cause: error });
      throw error;
    }
  }

  async putRaw(key: string, raw: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: raw,
        ContentLength: raw.byteLength,
        ContentType: 'message/rfc822',
      }),
    );
  }

  /**
   * Uses `ListObjects` (v1) with `Marker`: s3rver builds v2 continuation tokens with DES, which OpenSSL 3
   * (Node 18+) no longer provides, so any truncated v2 page fails there. v1 paging works on both.
   */
  async listKeys(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListObjectsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: this.listPageSize,
          Marker: marker,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) out.push(object.Key);
      }
      const last = out.at(-1);
      if (!page.IsTruncated || last === undefined || last === marker) return out;
      marker = last;
    }
  }

  /**
   * A presigned GET URL and when it stops working. A URL signed with temporary credentials (a Lambda
   * function's role) dies with them, whatever it says: its life is the shorter of seven days (the SigV4
   * maximum) and the credentials' remaining life. Signing is local: no request is made.
   */
  async locate(key: string): Promise<RawMailLocation> {
    const credentials = await this.client.config.credentials();
    const now = Date.now();
    let expiresIn = PRESIGN_EXPIRES_SECONDS;
    if (credentials.expiration) {
      expiresIn = Math.max(
        1,
        Math.min(expiresIn, Math.floor((credentials.expiration.getTime() - now) / 1000)),
      );
    }
    const location = await getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.bucket, Key: key }),
      { expiresIn },
    );
    if (!credentials.expiration && credentials.sessionToken) return { location, shortLived: true };
    return { location, expiresAt: new Date(now + expiresIn * 1000) };
  }

  /** S3 answers a delete of a missing key with success too, so this is idempotent. */
  async deleteRaw(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}

/**
 * Reads a body of known length into one Buffer of that size. The SDK's `transformToByteArray` keeps
 * every chunk and then copies them into the result, twice the message at once (a raw mail is up to
 * 40 MB); here each chunk is copied in as it arrives and dropped.
 */
async function readExactly(body: Readable, length: number, key: string): Promise<Buffer> {
  const raw = Buffer.allocUnsafe(length);
  let filled = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (filled + chunk.length > length) break;
    filled += chunk.copy(raw, filled);
  }
  // Never hand on a partly filled buffer: the read is retried instead.
  if (filled !== length) {
    body.destroy();
    throw new Error(`S3 object ${key} did not match its length of ${length} bytes`);
  }
  return raw;
}

function isMissingKey(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'NoSuchKey' || error.name === 'NotFound') return true;
  if (error.name === 'NoSuchBucket') return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 404;
}
