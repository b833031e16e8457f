import type { DescFile } from "@bufbuild/protobuf";
import { protoCamelCase, safeObjectProperty } from "@bufbuild/protobuf/reflect";

// Why this exists: `createFileRegistry()` turns any FileDescriptorProto into
// descriptors: proto2 defaults (through the text format parser), editions
// features, extensions, dependencies. About 3 KB of an edge bundle, gzipped,
// for files that use none of it. This builds the very same objects (same
// properties, same order, same `toString()`s) as its `addFile()` does, for
// the subset our generated files use: proto3, no imports, no extensions, no
// options but map entries'. scripts/generate.mjs checks a file is in it
// (unsupportedDescriptorPart(), which edge bundles do not ship) and keeps
// `fileDesc()` for one that is not; test/descriptor/ compares every property
// of the result with `fileDesc()`'s.

/** A descriptor under construction (the public Desc* types are read-only). */
type Desc = Record<string, any>;

// google.protobuf.FieldDescriptorProto.Type and .Label, FeatureSet.FieldPresence.
const TYPE_STRING = 9;
const TYPE_MESSAGE = 11;
const TYPE_BYTES = 12;
const TYPE_ENUM = 14;
const LABEL_REPEATED = 3;
const EXPLICIT = 1;
const IMPLICIT = 2;
/** google.protobuf.Edition.EDITION_PROTO3 */
const EDITION_PROTO3 = 999;

const trimLeadingDot = (typeName: string) => (typeName.startsWith(".") ? typeName.substring(1) : typeName);

/** Converts lowerCamelCase or UpperCamelCase into lower_snake_case, to find an enum's shared prefix. */
const camelToSnakeCase = (camel: string) => (camel.substring(0, 1) + camel.substring(1).replace(/[A-Z]/g, (c) => "_" + c)).toLowerCase();

/** The prefix shared by an enum's values, e.g. `my_enum_` for `enum MyEnum { MY_ENUM_A = 0; }`. */
function findEnumSharedPrefix(enumName: string, values: Desc[]): string | undefined {
  const prefix = camelToSnakeCase(enumName) + "_";
  for (const value of values) {
    if (!value.name.toLowerCase().startsWith(prefix)) return undefined;
    const shortName = value.name.substring(prefix.length);
    if (shortName.length == 0 || /^\d/.test(shortName)) return undefined;
  }
  return prefix;
}

/**
 * The descriptors of a proto3 file that imports no other file, as
 * `createFileRegistry(proto, () => undefined).getFile(proto.name)` returns
 * them. `proto` is a FileDescriptorProto message (unset fields read their
 * defaults) for which {@link unsupportedDescriptorPart} finds nothing.
 *
 * @internal
 */
export function descFileFromProto3(proto: Desc): DescFile {
  /** Messages, enums and services by type name, as the registry holds them (map entries are not). */
  const types = new Map<string, Desc>();
  const mapEntries = new Map<string, Desc>();
  const lookup = (kind: string, typeName: string): Desc => {
    const desc = types.get(trimLeadingDot(typeName));
    if (desc?.kind !== kind) throw new Error(`descriptor ${proto.name}: ${kind} ${typeName} not found`);
    return desc;
  };
  const typeNameOf = (p: Desc, parent: Desc | undefined) => (parent ? `${parent.typeName}.${p.name}` : proto.package.length > 0 ? `${proto.package}.${p.name}` : `${p.name}`);

  const file: Desc = {
    kind: "file",
    proto,
    deprecated: false,
    edition: EDITION_PROTO3,
    name: proto.name.replace(/\.proto$/, ""),
    dependencies: [],
    enums: [],
    messages: [],
    extensions: [],
    services: [],
    toString() {
      return `file ${proto.name}`;
    },
  };

  function addEnum(p: Desc, parent: Desc | undefined): void {
    const sharedPrefix = findEnumSharedPrefix(p.name, p.value);
    const desc: Desc = {
      kind: "enum",
      proto: p,
      deprecated: false,
      file,
      parent,
      open: true,
      name: p.name,
      typeName: typeNameOf(p, parent),
      value: {},
      values: [],
      sharedPrefix,
      toString() {
        return `enum ${this.typeName}`;
      },
    };
    types.set(desc.typeName, desc);
    for (const v of p.value) {
      const name: string = v.name;
      desc.values.push(
        (desc.value[v.number] = {
          kind: "enum_value",
          proto: v,
          deprecated: false,
          parent: desc,
          name,
          localName: safeObjectProperty(sharedPrefix == undefined ? name : name.substring(sharedPrefix.length)),
          number: v.number,
          toString() {
            return `enum value ${desc.typeName}.${name}`;
          },
        }),
      );
    }
    (parent?.nestedEnums ?? file.enums).push(desc);
  }

  function addMessage(p: Desc, parent: Desc | undefined): void {
    const mapEntry = p.options?.mapEntry === true;
    const desc: Desc = {
      kind: "message",
      proto: p,
      deprecated: false,
      file,
      parent,
      name: p.name,
      typeName: typeNameOf(p, parent),
      fields: [],
      field: {},
      oneofs: [],
      members: [],
      nestedEnums: [],
      nestedMessages: [],
      nestedExtensions: [],
      toString() {
        return `message ${this.typeName}`;
      },
    };
    if (mapEntry) mapEntries.set(desc.typeName, desc);
    else {
      (parent?.nestedMessages ?? file.messages).push(desc);
      types.set(desc.typeName, desc);
    }
    for (const e of p.enumType) addEnum(e, desc);
    for (const m of p.nestedType) addMessage(m, desc);
  }

  function addService(p: Desc): void {
    const desc: Desc = {
      kind: "service",
      proto: p,
      deprecated: false,
      file,
      name: p.name,
      typeName: typeNameOf(p, undefined),
      methods: [],
      method: {},
      toString() {
        return `service ${this.typeName}`;
      },
    };
    file.services.push(desc);
    types.set(desc.typeName, desc);
    for (const m of p.method) {
      const name: string = m.name;
      const method = {
        kind: "rpc",
        proto: m,
        deprecated: false,
        parent: desc,
        name,
        localName: safeObjectProperty(name.length ? safeObjectProperty(name[0].toLowerCase() + name.substring(1)) : name),
        methodKind: m.clientStreaming ? (m.serverStreaming ? "bidi_streaming" : "client_streaming") : m.serverStreaming ? "server_streaming" : "unary",
        input: lookup("message", m.inputType),
        output: lookup("message", m.outputType),
        idempotency: 0, // IDEMPOTENCY_UNKNOWN: no options
        toString() {
          return `rpc ${desc.typeName}.${name}`;
        },
      };
      desc.methods.push(method);
      desc.method[method.localName] = method;
    }
  }

  function newField(p: Desc, parent: Desc, oneof: Desc | undefined): Desc {
    const type: number = p.type;
    const repeated = p.label === LABEL_REPEATED;
    // proto3 has no groups (TYPE_GROUP): a message field is length-prefixed.
    const kind = type == TYPE_MESSAGE ? "message" : type == TYPE_ENUM ? "enum" : "scalar";
    const field: Desc = {
      kind: "field",
      proto: p,
      deprecated: false,
      name: p.name,
      number: p.number,
      scalar: undefined,
      message: undefined,
      enum: undefined,
      // Implicit presence is proto3's default, but never for a singular message.
      presence: repeated ? IMPLICIT : oneof || p.proto3Optional || kind == "message" ? EXPLICIT : IMPLICIT,
      utf8Validation: true, // proto3: VERIFY
      listKind: undefined,
      mapKind: undefined,
      mapKey: undefined,
      delimitedEncoding: undefined,
      packed: undefined,
      longAsString: false,
      getDefaultValue: undefined,
    };
    field.parent = parent;
    field.oneof = oneof;
    field.localName = oneof ? protoCamelCase(p.name) : safeObjectProperty(protoCamelCase(p.name));
    field.jsonName = p.jsonName;
    field.toString = () => `field ${parent.typeName}.${p.name}`;
    if (repeated) {
      const mapEntry = type == TYPE_MESSAGE ? mapEntries.get(trimLeadingDot(p.typeName)) : undefined;
      if (mapEntry) {
        field.fieldKind = "map";
        // protoc writes map entries: key field 1, value field 2.
        const key = mapEntry.fields.find((f: Desc) => f.number === 1);
        const value = mapEntry.fields.find((f: Desc) => f.number === 2);
        field.mapKey = key.scalar;
        field.mapKind = value.fieldKind;
        field.message = value.message;
        field.delimitedEncoding = false;
        field.enum = value.enum;
        field.scalar = value.scalar;
        return field;
      }
      field.fieldKind = "list";
      field.listKind = kind;
    } else field.fieldKind = kind;
    // Messages, enums and scalars alike, listed or singular.
    if (kind == "message") {
      field.message = lookup(kind, p.typeName);
      field.delimitedEncoding = false;
    } else if (kind == "enum") field.enum = lookup(kind, p.typeName);
    else field.scalar = type;
    if (repeated) {
      // Length-delimited types cannot be packed; proto3 packs the others.
      field.packed = type != TYPE_STRING && type != TYPE_BYTES && kind != "message";
      return field;
    }
    // No default values in proto3.
    field.getDefaultValue = () => undefined;
    return field;
  }

  /** Fields and oneof groups, recursing into nested messages. */
  function addFields(message: Desc): void {
    const allOneofs: Desc[] = message.proto.oneofDecl.map((p: Desc) => {
      return {
        kind: "oneof",
        proto: p,
        deprecated: false,
        parent: message,
        fields: [],
        name: p.name,
        localName: safeObjectProperty(protoCamelCase(p.name)),
        toString() {
          return `oneof ${message.typeName}.${this.name}`;
        },
      };
    });
    const oneofsSeen = new Set<Desc>();
    for (const p of message.proto.field) {
      // A proto3 `optional` field sits in a synthetic oneof, which is not one.
      let oneof: Desc | undefined;
      if (Object.hasOwn(p, "oneofIndex") && p.oneofIndex !== undefined && !p.proto3Optional) {
        oneof = allOneofs[p.oneofIndex];
        if (oneof === undefined) throw new Error(`invalid FieldDescriptorProto: oneof #${p.oneofIndex} for field #${p.number} not found`);
      }
      const field = newField(p, message, oneof);
      message.fields.push(field);
      message.field[field.localName] = field;
      if (oneof === undefined) message.members.push(field);
      else {
        oneof.fields.push(field);
        if (!oneofsSeen.has(oneof)) {
          oneofsSeen.add(oneof);
          message.members.push(oneof);
        }
      }
    }
    for (const oneof of allOneofs) if (oneofsSeen.has(oneof)) message.oneofs.push(oneof);
    for (const child of message.nestedMessages) addFields(child);
  }

  for (const e of proto.enumType) addEnum(e, undefined);
  for (const m of proto.messageType) addMessage(m, undefined);
  for (const s of proto.service) addService(s);
  // Map entries first: a map field reads its entry's key and value fields.
  for (const entry of mapEntries.values()) addFields(entry);
  for (const m of file.messages) addFields(m);
  return file as DescFile;
}

/**
 * What in a FileDescriptorProto message {@link descFileFromProto3} does not
 * build (undefined: nothing, it builds the registry's descriptors). For
 * scripts/generate.mjs, at generation time: the generated files carry only
 * descriptors it accepted, so the runtime does not check again.
 *
 * @internal
 */
export function unsupportedDescriptorPart(proto: Desc): string | undefined {
  if (proto.syntax !== "proto3") return `syntax "${proto.syntax}"`;
  if (proto.dependency.length > 0) return "an import";
  const problems: string[] = [];
  const options = (p: Desc, allowed: string[] = []) => {
    // Set options other than those allowed (an empty list of uninterpreted options aside).
    const set = Object.entries(p.options ?? {}).filter(([k, v]) => k !== "$typeName" && !allowed.includes(k) && !(Array.isArray(v) && v.length === 0));
    if (set.length > 0) problems.push(`options of ${p.name}`);
  };
  const message = (m: Desc) => {
    options(m, m.options?.mapEntry === true ? ["mapEntry"] : []);
    if (m.extension.length > 0) problems.push(`an extension in ${m.name}`);
    for (const f of m.field) {
      options(f);
      // proto3 has neither default values nor required fields.
      if (Object.hasOwn(f, "defaultValue") || Object.hasOwn(f, "extendee") || f.label === 2 || f.type === 10) problems.push(`proto2 field ${f.name}`);
    }
    for (const o of m.oneofDecl) options(o);
    for (const e of m.enumType) enumType(e);
    for (const n of m.nestedType) message(n);
  };
  const enumType = (e: Desc) => {
    options(e);
    for (const v of e.value) options(v);
  };
  options(proto);
  if (proto.extension.length > 0) problems.push("an extension");
  for (const e of proto.enumType) enumType(e);
  for (const m of proto.messageType) message(m);
  for (const s of proto.service) {
    options(s);
    for (const m of s.method) options(m);
  }
  return problems[0];
}
