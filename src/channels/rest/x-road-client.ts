/**
 * Reads the X-Road-Client header: `INSTANCE/CLASS/MEMBER/SUBSYSTEM`, each part
 * percent-encoded (X-Road message protocol for REST). Returns the decoded
 * identifier, undefined when there is no header, or null when it is malformed.
 */
export function parseXRoadClientHeader(header: string | undefined): string | undefined | null {
  if (header === undefined || header.trim() === '') return undefined;
  const parts = header.trim().split('/');
  if (parts.length !== 4) return null;
  try {
    const decoded = parts.map((p) => decodeURIComponent(p));
    if (decoded.some((p) => p === '' || p.includes('/') || /[\s\p{Cc}]/u.test(p))) return null;
    return decoded.join('/');
  } catch {
    return null;
  }
}
