/** SES v2 raw `SendEmail` accepts messages up to 40 MB, MIME encoding included. */
export const SES_MAX_SEND_BYTES = 40 * 1024 * 1024;

/** `12.3 MB`, `512 KB`, `17 bytes`: sizes as people read them in a mail. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
