import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createFileRegistry, fromBinary, type DescFile, type DescMessage } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import {
  AnySchema,
  BoolValueSchema,
  BytesValueSchema,
  DescriptorProtoSchema,
  DoubleValueSchema,
  DurationSchema,
  FieldMaskSchema,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  FloatValueSchema,
  Int32ValueSchema,
  Int64ValueSchema,
  ListValueSchema,
  StringValueSchema,
  StructSchema,
  TimestampSchema,
  UInt32ValueSchema,
  UInt64ValueSchema,
  ValueSchema,
} from "@bufbuild/protobuf/wkt";
import { file_sutra_storage_storage } from "../../src/gen/sutra/storage/storage_pb.js";
import { file_syncvalue_v1_syncvalue } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";

/** A schema under test and how deep its random messages nest. */
export interface SchemaCase {
  name: string;
  desc: DescMessage;
  depth: number;
  runs: number;
}

function messagesOf(file: DescFile): DescMessage[] {
  return [...nestedTypes(file)].filter((t): t is DescMessage => t.kind === "message");
}

/** Every message of both services (src/gen). */
export const serviceMessages: DescMessage[] = [...messagesOf(file_syncvalue_v1_syncvalue), ...messagesOf(file_sutra_storage_storage)];

/**
 * The test-only fixture (editions presence, groups, closed enums, jstype,
 * map key types, Struct and wrapper fields), compiled by buf from
 * fixtures/codec_features.proto.
 */
export const fixtureSet = fromBinary(
  FileDescriptorSetSchema,
  execFileSync(fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url)), ["build", fileURLToPath(new URL("fixtures", import.meta.url)), "-o", "-#format=binpb"]),
);
const fixtureRegistry = createFileRegistry(fixtureSet);
export const EverythingSchema = fixtureRegistry.getMessage("codec.test.Everything")!;
export const ChildSchema = fixtureRegistry.getMessage("codec.test.Child")!;

export const schemaCases: SchemaCase[] = [
  ...serviceMessages.map((desc) => ({ name: desc.typeName, desc, depth: 2, runs: 150 })),
  ...[ValueSchema, StructSchema, ListValueSchema].map((desc) => ({ name: desc.typeName, desc, depth: 4, runs: 150 })),
  ...[AnySchema, BytesValueSchema, DurationSchema, TimestampSchema, FieldMaskSchema].map((desc) => ({ name: desc.typeName, desc, depth: 1, runs: 100 })),
  ...[Int64ValueSchema, UInt64ValueSchema, Int32ValueSchema, UInt32ValueSchema, StringValueSchema, DoubleValueSchema, FloatValueSchema, BoolValueSchema].map(
    (desc) => ({ name: desc.typeName, desc, depth: 1, runs: 50 }),
  ),
  { name: "google.protobuf.FileDescriptorProto", desc: FileDescriptorProtoSchema, depth: 2, runs: 40 },
  { name: "google.protobuf.DescriptorProto", desc: DescriptorProtoSchema, depth: 3, runs: 40 },
  { name: "codec.test.Everything (fixture)", desc: EverythingSchema, depth: 2, runs: 300 },
  { name: "codec.test.Child (fixture)", desc: ChildSchema, depth: 4, runs: 150 },
];
