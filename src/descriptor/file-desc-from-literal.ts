import type { DescFile } from "@bufbuild/protobuf";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import { descFileFromProto3, unsupportedDescriptorPart } from "./desc-file-from-proto3.js";

// Why this exists: protoc-gen-es embeds each file descriptor as base64 and
// decodes it at load time with `fileDesc()`, which needs the reflection schema
// of descriptor.proto itself (google/protobuf/descriptor_pb: about 5 KiB of an
// edge bundle, gzipped). scripts/generate.mjs rewrites that call into this one,
// with the same FileDescriptorProto as a plain object literal of its set fields.
// Here the literal becomes the message `fromBinary()` would have produced
// (type names, repeated fields, proto2 defaults on the prototype), and
// descFileFromProto3() turns it into the descriptors `fileDesc()`'s registry
// call builds. A test checks the result equals `fileDesc()`'s, property by
// property and byte for byte.

/** A FileDescriptorProto (or a part of one) as a plain object of its set fields. */
export type DescriptorLiteral = { readonly [field: string]: unknown };

/** How one descriptor.proto message is rebuilt: its name, defaults, repeated fields and message-typed fields. */
interface Shape {
  readonly typeName: string;
  /** The prototype of every message of this type: proto2 defaults, read when a field is not set. */
  readonly defaults: object;
  readonly repeated: readonly string[];
  readonly children: Record<string, Shape>;
}

function shape(name: string, defaults: object, repeated: string[] = [], children: Record<string, Shape> = {}): Shape {
  return { typeName: `google.protobuf.${name}`, defaults, repeated, children };
}

// Only the parts of descriptor.proto our files use. scripts/generate.mjs checks
// each literal rebuilds the exact descriptor and keeps `fileDesc()` for a file
// that sets anything else (file or field options, extensions, imports, ...).
const messageOptions = shape(
  "MessageOptions",
  { messageSetWireFormat: false, noStandardDescriptorAccessor: false, deprecated: false, mapEntry: false, deprecatedLegacyJsonFieldConflicts: false },
  ["uninterpretedOption"],
);
const field = shape("FieldDescriptorProto", {
  name: "",
  number: 0,
  label: 1,
  type: 1,
  typeName: "",
  extendee: "",
  defaultValue: "",
  oneofIndex: 0,
  jsonName: "",
  proto3Optional: false,
});
const enumType = shape("EnumDescriptorProto", { name: "", visibility: 0 }, ["value", "reservedRange", "reservedName"], {
  value: shape("EnumValueDescriptorProto", { name: "", number: 0 }),
});
const message = shape(
  "DescriptorProto",
  { name: "", visibility: 0 },
  ["field", "extension", "nestedType", "enumType", "extensionRange", "oneofDecl", "reservedRange", "reservedName"],
  { field, enumType, oneofDecl: shape("OneofDescriptorProto", { name: "" }), options: messageOptions },
);
message.children.nestedType = message;
const service = shape("ServiceDescriptorProto", { name: "" }, ["method"], {
  method: shape("MethodDescriptorProto", { name: "", inputType: "", outputType: "", clientStreaming: false, serverStreaming: false }),
});
const file = shape(
  "FileDescriptorProto",
  { name: "", package: "", syntax: "", edition: 0 },
  ["dependency", "publicDependency", "weakDependency", "optionDependency", "messageType", "enumType", "service", "extension"],
  { messageType: message, enumType, service },
);

function hydrate(literal: DescriptorLiteral, s: Shape): Record<string, unknown> {
  const m: Record<string, unknown> = Object.create(s.defaults);
  m.$typeName = s.typeName;
  for (const name of s.repeated) m[name] = [];
  for (const [key, value] of Object.entries(literal)) {
    const child = s.children[key];
    m[key] =
      child === undefined
        ? value
        : Array.isArray(value)
          ? value.map((v: DescriptorLiteral) => hydrate(v, child))
          : hydrate(value as DescriptorLiteral, child);
  }
  // As `fileDesc()` does: the generator leaves out JSON names protoc derives.
  if (s === field && !Object.hasOwn(m, "jsonName")) m.jsonName = protoCamelCase(m.name as string);
  return m;
}

/**
 * Builds a generated file's descriptor from a plain-object FileDescriptorProto
 * (of a proto3 file that imports no other), as `fileDesc()` from
 * `@bufbuild/protobuf/codegenv2` does from base64. Only for literals
 * {@link unsupportedLiteralPart} accepts: scripts/generate.mjs writes no other.
 *
 * @internal
 */
export function fileDescFromLiteral(literal: DescriptorLiteral): DescFile {
  return descFileFromProto3(hydrate(literal, file));
}

/**
 * What in a literal {@link fileDescFromLiteral} does not rebuild (undefined:
 * nothing), for scripts/generate.mjs, which keeps `fileDesc()` for such a file.
 *
 * @internal
 */
export function unsupportedLiteralPart(literal: DescriptorLiteral): string | undefined {
  return unsupportedDescriptorPart(hydrate(literal, file));
}
