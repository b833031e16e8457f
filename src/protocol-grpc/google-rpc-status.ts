import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** `google.rpc.Status`, as a gRPC server sends it in `grpc-status-details-bin`. */
export interface GoogleRpcStatus {
  code: number;
  message: string;
  /** `google.protobuf.Any` details: `type` is the type URL's last segment (`google.rpc.RetryInfo`). */
  details: { type: string; value: Uint8Array }[];
}

/**
 * Decodes `google.rpc.Status` (1 `int32 code`, 2 `string message`,
 * 3 `repeated google.protobuf.Any details`; Any is 1 `string type_url`,
 * 2 `bytes value`) by hand: the generated schema would pull its file
 * descriptor into the edge bundle for three fields. Throws on malformed input.
 */
export function decodeGoogleRpcStatus(bytes: Uint8Array): GoogleRpcStatus {
  const status: GoogleRpcStatus = { code: 0, message: "", details: [] };
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) status.code = reader.int32();
    else if (field === 2 && wireType === WireType.LengthDelimited) status.message = reader.string();
    else if (field === 3 && wireType === WireType.LengthDelimited) status.details.push(decodeAny(reader.bytes()));
    else reader.skip(wireType, field);
  }
  return status;
}

function decodeAny(bytes: Uint8Array): { type: string; value: Uint8Array } {
  const reader = new BinaryReader(bytes);
  let typeUrl = "";
  let value: Uint8Array = new Uint8Array(0);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) typeUrl = reader.string();
    else if (field === 2 && wireType === WireType.LengthDelimited) value = reader.bytes();
    else reader.skip(wireType, field);
  }
  return { type: typeUrl.slice(typeUrl.lastIndexOf("/") + 1), value };
}
