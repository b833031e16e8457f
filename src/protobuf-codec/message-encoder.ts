import { ScalarType, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { isScalarZeroValue } from "@bufbuild/protobuf/reflect";
import { WireType } from "@bufbuild/protobuf/wire";
import { ByteWriter } from "./byte-writer.js";
import { scalarMethods } from "./scalar-methods.js";
import { messagePlan, scalarWireType, type AnyMessage, type FieldPlan, type MessagePlan } from "./schema-plan.js";
import { isJsonObject, structFromJson } from "./struct-json.js";

// Encoding is synchronous and calls out to nothing, so one writer serves every
// call: no buffer and DataView per message. Each use resets it first, so a
// throw halfway leaves nothing behind.
const shared = /*@__PURE__*/ new ByteWriter();

/**
 * Serializes a message to the protobuf binary format: the same bytes as
 * protobuf-es's `toBinary(desc, message)` with default options (fields in
 * number order, zero values of implicit presence skipped, unknown fields
 * written last), without its reflection layer. Extensions are not written.
 * Throws on a value the field cannot hold, a required field not set, or a
 * message of another type.
 */
export function encodeMessage<Desc extends DescMessage>(desc: Desc, message: MessageShape<Desc>): Uint8Array {
  const w = shared;
  w.reset();
  writeFields(messagePlan(desc), w, message);
  return w.finish();
}

/**
 * Serializes a message as {@link encodeMessage} does, inside a gRPC envelope
 * (flag byte 0, the message's length as a 4-byte big-endian number, the
 * message): one buffer, from `allocate` (Node's `Buffer.allocUnsafe`, say,
 * whose small buffers come from a shared slab), holding exactly the envelope.
 */
export function encodeEnvelopedMessage<Desc extends DescMessage>(
  desc: Desc,
  message: MessageShape<Desc>,
  allocate: (size: number) => Uint8Array = newBytes,
): Uint8Array {
  const w = shared;
  w.reset(5);
  writeFields(messagePlan(desc), w, message);
  const out = allocate(w.length);
  w.copyTo(out);
  const size = w.length - 5;
  out[0] = 0; // not compressed
  out[1] = size >>> 24;
  out[2] = (size >>> 16) & 0xff;
  out[3] = (size >>> 8) & 0xff;
  out[4] = size & 0xff;
  return out;
}

function newBytes(size: number): Uint8Array {
  return new Uint8Array(size);
}

function writeFields(plan: MessagePlan, w: ByteWriter, message: AnyMessage | null | undefined): void {
  // protobuf-es writes a missing message (a null list item, say) as an empty one.
  const m = message ?? plan.create();
  if (plan.fields.length && m.$typeName !== plan.desc.typeName) {
    throw new Error(`cannot encode ${plan.desc.typeName} to binary: got a message of type ${String(m.$typeName)}`);
  }
  for (const f of plan.fields) {
    let v: any;
    if (f.oneof) {
      const o = m[f.oneof];
      if (o.case !== f.name) continue;
      v = o.value;
    } else {
      v = m[f.name];
      if (f.explicit ? v === undefined || !Object.hasOwn(m, f.name) : !isImplicitSet(f, v)) {
        if (f.required) throw new Error(`cannot encode ${f.field} to binary: required field not set`);
        continue;
      }
    }
    writeField(w, f, v);
  }
  const unknown = m.$unknown as { no: number; wireType: WireType; data: Uint8Array }[] | undefined;
  if (unknown) {
    for (const u of unknown) {
      w.tag(((u.no << 3) | u.wireType) >>> 0);
      w.raw(u.data);
    }
  }
}

/** protobuf-es's test for a field without presence: not its zero value, not empty. */
function isImplicitSet(f: FieldPlan, v: any): boolean {
  switch (f.kind) {
    case "list":
      return v.length > 0;
    case "enum":
      return v !== f.enumZero;
    case "scalar":
      return !isScalarZeroValue(f.scalar, v);
  }
  return true; // maps: an empty one writes nothing
}

function writeField(w: ByteWriter, f: FieldPlan, v: any): void {
  switch (f.kind) {
    case "scalar":
    case "enum":
      w.tag(f.tag);
      writeValue(w, f, f.method, v);
      break;
    case "message":
      writeMessage(w, f, f.wrap ? { $typeName: f.message!.desc.typeName, value: v } : v);
      break;
    case "list":
      if (f.item === "message") {
        for (const item of v) writeMessage(w, f, item);
      } else if (f.packed) {
        if (!v.length) break;
        w.tag(f.ldTag);
        const at = w.fork();
        for (const item of v) writeValue(w, f, f.method, item);
        w.join(at);
      } else {
        for (const item of v) {
          w.tag(f.tag);
          writeValue(w, f, f.method, item);
        }
      }
      break;
    case "map":
      for (const key of Object.keys(v)) {
        w.tag(f.ldTag);
        const at = w.fork();
        w.tag((1 << 3) | scalarWireType(f.mapKey));
        writeValue(w, f, scalarMethods[f.mapKey], mapKey(key, f.mapKey));
        // The value goes in field 2, with the field's own wire type (a message: length-delimited, never a group).
        w.tag((2 << 3) | (f.tag & 7));
        if (f.item === "message") writeNested(w, f, v[key]);
        else writeValue(w, f, f.method, v[key]);
        w.join(at);
      }
      break;
  }
}

function writeMessage(w: ByteWriter, f: FieldPlan, v: any): void {
  w.tag(f.tag);
  if (f.delimited) {
    writeFields(f.message!, w, v);
    w.tag(((f.no << 3) | WireType.EndGroup) >>> 0);
  } else {
    writeNested(w, f, v);
  }
}

/** A length-delimited message; a JsonObject written as the google.protobuf.Struct it stands for. */
function writeNested(w: ByteWriter, f: FieldPlan, v: any): void {
  const at = w.fork();
  writeFields(f.message!, w, f.json && isJsonObject(v) ? structFromJson(v) : v);
  w.join(at);
}

/** Writes a scalar; a value the field cannot hold throws naming the field, as protobuf-es does. */
function writeValue(w: ByteWriter, f: FieldPlan, method: string, value: unknown): void {
  try {
    (w as unknown as Record<string, (v: unknown) => void>)[method]!(value);
  } catch (e) {
    throw new Error(`cannot encode ${f.field} to binary: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Map keys are property names; protobuf-es turns them back into the key type before writing. */
function mapKey(key: string, type: ScalarType): unknown {
  switch (type) {
    case ScalarType.BOOL:
      return key === "true" ? true : key === "false" ? false : key;
    case ScalarType.INT32:
    case ScalarType.FIXED32:
    case ScalarType.UINT32:
    case ScalarType.SFIXED32:
    case ScalarType.SINT32: {
      const n = Number.parseInt(key);
      return Number.isFinite(n) ? n : key;
    }
  }
  return key; // strings; 64-bit keys: the writer parses the string itself
}
