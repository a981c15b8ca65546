import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { S3RawMailStore, type S3RawMailStoreOptions } from '../adapters/s3/s3-raw-mail-store.js';
import type { RawMailLocation } from '../ports/raw-mail-store.js';

/**
 * The raw mail store of local mode: S3 over the embedded engine, where `locate` gives the file the engine
 * keeps the object in, so a person can open the mail (a presigned link to a loopback engine would only
 * work while `spoc dev` runs, and only on this machine).
 */
export class LocalRawMailStore extends S3RawMailStore {
  private readonly directory: string;
  private readonly bucketName: string;

  constructor(options: S3RawMailStoreOptions & { directory: string }) {
    super(options);
    this.directory = resolve(options.directory);
    this.bucketName = options.bucket;
  }

  /** The object's file under the engine's directory (s3rver's `<key>._S3rver_object` layout). */
  override async locate(key: string): Promise<RawMailLocation> {
    const parts = key.split('/');
    const name = parts.pop() ?? key;
    const path = join(this.directory, this.bucketName, ...parts, `${name}._S3rver_object`);
    try {
      await access(path);
      return { location: `${path} (raw MIME; open it as an .eml file)` };
    } catch {
      return super.locate(key);
    }
  }
}
