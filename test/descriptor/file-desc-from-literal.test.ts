import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBinary, equals, toBinary, type DescFile, type DescMessage, type DescEnum, type DescService } from "@bufbuild/protobuf";
import { embedFileDesc, fileDesc } from "@bufbuild/protobuf/codegenv2";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { afterAll, describe, expect, it } from "vitest";
import { unsupportedLiteralPart, type DescriptorLiteral } from "../../src/descriptor/file-desc-from-literal.js";
import { unsupportedDescriptorPart } from "../../src/descriptor/desc-file-from-proto3.js";
import { file_sutra_storage_storage } from "../../src/gen/sutra/storage/storage_pb.js";
import { file_syncvalue_v1_syncvalue } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";

// The generated files build their descriptors with fileDescFromLiteral()
// instead of protoc-gen-es's fileDesc(base64). The reference here is
// independent of scripts/generate.mjs: buf compiles proto/ afresh, and
// fileDesc() decodes exactly what protoc-gen-es would have embedded.
const root = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "syncvalue-descriptors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function compiledProtos(): FileDescriptorProto[] {
  const out = join(dir, "image.binpb");
  execFileSync(join(root, "node_modules", ".bin", "buf"), ["build", "--exclude-source-info", "--as-file-descriptor-set", "-o", out], { cwd: root });
  return fromBinary(FileDescriptorSetSchema, readFileSync(out)).file;
}

/** Everything a descriptor tells the runtime, as comparable data. */
function describeMessage(m: DescMessage): unknown {
  return {
    typeName: m.typeName,
    file: m.file.name,
    oneofs: m.oneofs.map((o) => o.name),
    nested: m.nestedMessages.map((n) => n.typeName),
    fields: m.fields.map((f) => ({
      name: f.name,
      number: f.number,
      localName: f.localName,
      jsonName: f.jsonName,
      fieldKind: f.fieldKind,
      presence: f.presence,
      scalar: "scalar" in f ? f.scalar : undefined,
      longAsString: "longAsString" in f ? f.longAsString : undefined,
      packed: "packed" in f ? f.packed : undefined,
      listKind: "listKind" in f ? f.listKind : undefined,
      mapKey: "mapKey" in f ? f.mapKey : undefined,
      mapKind: "mapKind" in f ? f.mapKind : undefined,
      message: "message" in f ? f.message?.typeName : undefined,
      enum: "enum" in f ? f.enum?.typeName : undefined,
      delimited: "delimitedEncoding" in f ? f.delimitedEncoding : undefined,
      oneof: f.oneof?.name,
      toString: f.toString(),
    })),
  };
}
const describeEnum = (e: DescEnum) => ({ typeName: e.typeName, open: e.open, values: e.values.map((v) => [v.name, v.number, v.localName]) });
const describeService = (s: DescService) => ({
  typeName: s.typeName,
  methods: s.methods.map((m) => [m.name, m.localName, m.methodKind, m.input.typeName, m.output.typeName, m.idempotency]),
});
const describeFile = (f: DescFile) => ({
  name: f.name,
  edition: f.edition,
  messages: f.messages.map(describeMessage),
  nestedMessages: f.messages.flatMap((m) => m.nestedMessages.map(describeMessage)),
  enums: f.enums.map(describeEnum),
  services: f.services.map(describeService),
});

/**
 * Every property of a descriptor graph, in order, as comparable data: a
 * descriptor met again (a parent, a field's message type) becomes a reference
 * by its place in the walk, a `proto` its type and name (compared as bytes
 * above), a function what it returns (`toString`, `getDefaultValue`).
 */
function walk(root: object): unknown {
  const seen = new Map<object, string>();
  const visit = (value: unknown, path: string, owner?: object): unknown => {
    if (typeof value === "function") return { returns: (value as () => unknown).call(owner) };
    if (value === null || typeof value !== "object") return value;
    if (seen.has(value)) return { ref: seen.get(value) };
    seen.set(value, path);
    if ("$typeName" in value) return { proto: value.$typeName, name: (value as { name?: string }).name };
    if (Array.isArray(value)) return value.map((v, i) => visit(v, `${path}[${i}]`));
    return Object.entries(value).map(([k, v]) => [k, visit(v, `${path}.${k}`, value)]);
  };
  return visit(root, "file");
}

describe("generated descriptors (fileDescFromLiteral)", () => {
  const compiled = compiledProtos();
  for (const generated of [file_syncvalue_v1_syncvalue, file_sutra_storage_storage]) {
    it(`${generated.name}: the same descriptor fileDesc() builds from what protoc-gen-es embeds`, () => {
      const proto = compiled.find((p) => p.name === generated.proto.name);
      expect(proto, `buf compiled ${generated.name}`).toBeDefined();
      const reference = fileDesc(embedFileDesc(proto!).base64());

      // The FileDescriptorProto: the same fields set, the same bytes.
      expect(equals(FileDescriptorProtoSchema, generated.proto, reference.proto)).toBe(true);
      expect(toBinary(FileDescriptorProtoSchema, generated.proto)).toEqual(toBinary(FileDescriptorProtoSchema, reference.proto));
      // Unset proto2 fields read their defaults, as on a decoded message.
      const field = generated.proto.messageType[0].field[0];
      const refField = reference.proto.messageType[0].field[0];
      for (const name of ["typeName", "extendee", "defaultValue", "oneofIndex", "proto3Optional"] as const) {
        expect(field[name]).toStrictEqual(refField[name]);
      }
      expect(generated.proto.$typeName).toBe("google.protobuf.FileDescriptorProto");

      // The descriptors built from it.
      expect(describeFile(generated)).toStrictEqual(describeFile(reference));
      // Built without the registry: still every property, in the same order, with the same links.
      expect(walk(generated)).toStrictEqual(walk(reference));
      expect(generated.messages.length).toBeGreaterThan(5);
    });
  }

  it("only files in the proto3 subset are built without the registry (generate.mjs keeps fileDesc() for others)", () => {
    for (const generated of [file_syncvalue_v1_syncvalue, file_sutra_storage_storage]) {
      expect(unsupportedDescriptorPart(generated.proto)).toBeUndefined();
    }
    const field = { name: "f", number: 1, label: 1, type: 9 };
    const file = (rest: DescriptorLiteral): DescriptorLiteral => ({ name: "x.proto", syntax: "proto3", ...rest });
    const cases: [DescriptorLiteral, string][] = [
      [{ name: "x.proto", syntax: "proto2" }, 'syntax "proto2"'],
      [file({ dependency: ["y.proto"] }), "an import"],
      [file({ options: { javaPackage: "x" } }), "options of x.proto"],
      [file({ messageType: [{ name: "M", options: { deprecated: true } }] }), "options of M"],
      [file({ messageType: [{ name: "M", field: [{ ...field, options: { deprecated: true } }] }] }), "options of f"],
      [file({ messageType: [{ name: "M", field: [{ ...field, defaultValue: "a" }] }] }), "proto2 field f"],
      [file({ enumType: [{ name: "E", value: [{ name: "E_A", number: 0, options: { deprecated: true } }] }] }), "options of E_A"],
      [file({ service: [{ name: "S", method: [{ name: "M", inputType: ".M", outputType: ".M", options: { idempotencyLevel: 1 } }] }] }), "options of M"],
    ];
    for (const [literal, part] of cases) expect(unsupportedLiteralPart(literal), JSON.stringify(literal)).toBe(part);
    // A map entry's own option is in the subset.
    const entry = { name: "AEntry", field: [field, { ...field, name: "value", number: 2 }], options: { mapEntry: true } };
    expect(unsupportedLiteralPart(file({ messageType: [{ name: "M", nestedType: [entry] }] }))).toBeUndefined();
  });

  it("the committed files no longer embed base64 descriptors (nor reach descriptor.proto's schema)", () => {
    for (const path of ["src/gen/syncvalue/v1/syncvalue_pb.ts", "src/gen/sutra/storage/storage_pb.ts"]) {
      const source = readFileSync(join(root, path), "utf8");
      expect(source).toContain("fileDescFromLiteral(");
      expect(source).not.toMatch(/\bfileDesc\(/);
    }
  });
});
