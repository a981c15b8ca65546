import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from './atomic-file.js';

/** The few members of s3rver's filesystem store replaced here. */
interface S3rverStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  putObject(object: {
    bucket: string;
    key: string;
    content: Buffer | Readable;
    metadata: Record<string, string>;
  }): Promise<{ size: number; md5: string }>;
}

const require = createRequire(import.meta.url);

/** Stored metadata s3rver keeps (its own list), besides `x-amz-meta-*`. */
function allowedMetadata(): readonly string[] {
  const S3Object = require('s3rver/lib/models/object') as { ALLOWED_METADATA: string[] };
  return S3Object.ALLOWED_METADATA;
}

const METADATA_SUFFIX = '._S3rver_metadata.json';
const OBJECT_SUFFIX = '._S3rver_object';
const MD5_SUFFIX = '._S3rver_object.md5';

/**
 * Makes s3rver write each object, its MD5 and its metadata file atomically (temporary file, flush,
 * rename), as its own store writes them in place: a kill in the middle left a 0-byte metadata file that
 * failed every later read and listing (so every start), or a cut-short object.
 */
export function makeS3rverWritesAtomic(s3rver: unknown): void {
  const store = (s3rver as { store: S3rverStore }).store;
  const allowed = new Set(allowedMetadata());
  store.putMetadata = async (bucket, key, metadata, md5) => {
    const kept = Object.fromEntries(
      Object.entries(metadata).filter(([name]) => allowed.has(name) || name.startsWith('x-amz-meta-')),
    );
    if (md5) await writeFileAtomic(store.getResourcePath(bucket, key, 'object.md5'), md5);
    await writeFileAtomic(store.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(kept, null, 2));
  };
  store.putObject = async (object) => {
    const path = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(path), { recursive: true });
    const content = Buffer.isBuffer(object.content) ? object.content : await collect(object.content);
    const md5 = createHash('md5').update(content).digest('hex');
    await writeFileAtomic(path, content);
    await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size: content.length, md5 };
  };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * Repairs what a kill left in an s3rver directory written before {@link makeS3rverWritesAtomic} (or by
 * a crash of the machine): a metadata file that is empty or not a JSON object is rewritten empty (s3rver
 * then serves the object with default metadata) or removed when its object is gone, an MD5 file that is
 * not one is removed (s3rver computes it again), and temporary files are removed. Returns the paths
 * repaired.
 */
export async function repairS3rverDirectory(directory: string): Promise<string[]> {
  const repaired: string[] = [];
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (entry.name.endsWith('.tmp')) {
      await rm(path, { force: true });
      repaired.push(path);
    } else if (entry.name.endsWith(METADATA_SUFFIX)) {
      if (isJsonObject(await readFile(path, 'utf8'))) continue;
      const object = `${path.slice(0, -METADATA_SUFFIX.length)}${OBJECT_SUFFIX}`;
      const objectExists = await stat(object).then(
        () => true,
        () => false,
      );
      if (objectExists) await writeFileAtomic(path, '{}');
      else await rm(path, { force: true });
      repaired.push(path);
    } else if (entry.name.endsWith(MD5_SUFFIX)) {
      if (/^[0-9a-f]{32}$/.test(await readFile(path, 'utf8'))) continue;
      await rm(path, { force: true });
      repaired.push(path);
    }
  }
  return repaired;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
