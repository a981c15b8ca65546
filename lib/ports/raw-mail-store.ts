/** Where raw inbound MIME lives (S3 `inbound/<sesMessageId>` in AWS). Raw mail is never deleted by processing. */
export interface RawMailStore {
  /**
   * Reads the raw bytes; throws `RawMailMissingError` when the object does not exist. An aborted `signal`
   * ends the read with the signal's reason.
   */
  getRaw(key: string, options?: { signal?: AbortSignal }): Promise<Buffer>;
  putRaw(key: string, raw: Buffer): Promise<void>;
  /** Keys under a prefix, in key order. */
  listKeys(prefix: string): Promise<string[]>;
  /** A location a person can use to fetch the raw mail (a presigned URL, or a file path locally). */
  locate(key: string): Promise<RawMailLocation>;

  /** Deletes one raw mail (a data-protection request); deleting a missing key is not an error. */
  deleteRaw(key: string): Promise<void>;
}

/** Where a person can fetch one raw mail, and for how long that works. */
export interface RawMailLocation {
  /** A presigned URL, or a file path locally. */
  location: string;
  /** When the location stops working, when that is known. */
  expiresAt?: Date;
  /** Signed with temporary credentials whose end is unknown: it works for hours at most. */
  shortLived?: boolean;
}
