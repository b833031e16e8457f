import { create, isMessage, ScalarType, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";

// google.protobuf.FeatureSet.FieldPresence.IMPLICIT, as protobuf-es defines it.
const IMPLICIT = 2;

interface Plan {
  /** The zero message: cloned per call, so every result has one hidden class. */
  readonly zero: Readonly<Record<string, unknown>>;
  readonly steps: readonly Step[];
}

type Step =
  | { readonly name: string; readonly kind: "scalar"; readonly zero: unknown }
  | { readonly name: string; readonly kind: "list" | "map"; readonly message: DescMessage | undefined }
  | { readonly name: string; readonly kind: "message"; readonly message: DescMessage };

// A compiled plan per schema, or null where protobuf-es' own create() must
// run (oneofs, explicit presence, bytes, well-known wrapper types).
const plans = new WeakMap<DescMessage, Plan | null>();

/**
 * `create(schema, init)` for request messages, without its per-call
 * reflection: the field walk is compiled once per schema. The result is the
 * same plain object `create()` builds (same keys in the same order, zero values
 * for absent fields, the caller's scalar lists and maps kept by reference,
 * nested messages created), at a fraction of the cost on the cache-hit path.
 * Schemas the plan does not cover go to `create()` itself.
 */
export function toRequestMessage<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc>): MessageShape<Desc> {
  if (isMessage(init, schema)) return init as MessageShape<Desc>;
  let plan = plans.get(schema);
  if (plan === undefined) plans.set(schema, (plan = compile(schema)));
  if (plan === null) return create(schema, init);
  const source = init as Record<string, unknown>;
  const message: Record<string, unknown> = { ...plan.zero };
  for (const step of plan.steps) {
    const value = source[step.name];
    switch (step.kind) {
      case "scalar":
        if (value != null) message[step.name] = value;
        break;
      case "list":
        message[step.name] =
          value == null ? [] : step.message && Array.isArray(value) ? value.map((v) => nested(step.message!, v)) : value;
        break;
      case "map":
        message[step.name] = value == null ? {} : step.message && typeof value === "object" ? mapValues(step.message, value) : value;
        break;
      case "message":
        if (value != null) message[step.name] = nested(step.message, value);
        break;
    }
  }
  return message as MessageShape<Desc>;
}

function nested(schema: DescMessage, value: unknown): unknown {
  return value !== null && typeof value === "object" ? toRequestMessage(schema, value as MessageInitShape<DescMessage>) : value;
}

function mapValues(schema: DescMessage, value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = nested(schema, v);
  return out;
}

function compile(schema: DescMessage): Plan | null {
  const zero = create(schema) as Record<string, unknown>;
  const steps: Step[] = [];
  for (const member of schema.members) {
    if (member.kind === "oneof") return null;
    const name = member.localName;
    switch (member.fieldKind) {
      case "scalar":
      case "enum":
        if (member.presence !== IMPLICIT || (member.fieldKind === "scalar" && member.scalar === ScalarType.BYTES)) return null;
        steps.push({ name, kind: "scalar", zero: zero[name] });
        break;
      case "list":
        if (member.listKind === "scalar" && member.scalar === ScalarType.BYTES) return null;
        steps.push({ name, kind: "list", message: member.listKind === "message" ? member.message : undefined });
        break;
      case "map":
        if (member.mapKind === "scalar" && member.scalar === ScalarType.BYTES) return null;
        steps.push({ name, kind: "map", message: member.mapKind === "message" ? member.message : undefined });
        break;
      case "message":
        // Wrappers and Struct have special field representations in protobuf-es.
        if (member.message.typeName.startsWith("google.protobuf.")) return null;
        steps.push({ name, kind: "message", message: member.message });
        break;
    }
  }
  return { zero: { ...zero }, steps };
}
