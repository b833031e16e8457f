/**
 * Decodes base64 in either alphabet (standard or URL-safe), padded or not:
 * Connect error details and gRPC binary headers use all of them. `atob` is
 * in every runtime we support; throws on malformed input.
 */
export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
