/**
 * Parses the gRPC-web trailer frame: HTTP/1-style `name: value` lines
 * separated by CRLF (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md).
 * Lines without a name are skipped, as are names `Headers` refuses.
 */
export function parseGrpcWebTrailer(data: Uint8Array): Headers {
  const trailer = new Headers();
  for (const line of new TextDecoder().decode(data).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    try {
      trailer.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      // An invalid name or value from the server must not hide the status next to it.
    }
  }
  return trailer;
}
