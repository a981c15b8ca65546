/** Lower-cases and trims an address; mailbox local parts are case-insensitive in practice. */
export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** The domain part of an address, lower-cased. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0
    ? ''
    : address
        .slice(at + 1)
        .trim()
        .toLowerCase();
}

/** The address itself when there is no name, for places that must always show something readable. */
export function displayNameOr(name: string | undefined, address: string): string {
  const trimmed = name?.replace(/[\r\n]+/g, ' ').trim();
  return trimmed ? trimmed : address;
}
