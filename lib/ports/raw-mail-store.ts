/** Where raw inbound MIME lives (S3 `inbound/<sesMessageId>` in AWS). Raw mail is never deleted by processing. */
export interface RawMailStore {
  /** Reads the raw bytes; throws `RawMailMissingError` when the object does not exist. */
  getRaw(key: string): Promise<Buffer>;
  putRaw(key: string, raw: Buffer): Promise<void>;
  /** Keys under a prefix, in key order. */
  listKeys(prefix: string): Promise<string[]>;
  /** A location a person can use to fetch the raw mail (a presigned URL, or a file path locally). */
  locate(key: string): Promise<string>;

  /** Deletes one raw mail (a data-protection request); deleting a missing key is not an error. */
  deleteRaw(key: string): Promise<void>;
}
