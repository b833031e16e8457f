import { create, isMessage, ScalarType, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";

// google.protobuf.FeatureSet.FieldPresence.IMPLICIT, as protobuf-es defines it.
const IMPLICIT = 2;

interface Plan {
  /** The zero message: cloned per call, so every result has one hidden class. */
  readonly zero: Readonly<Record<string, unknown>>;
  readonly steps: readonly Step[];
}

// Numbers, not strings, so the per-field switch is a jump table.
const SCALAR = 0;
const LIST = 1;
const MAP = 2;
const MESSAGE = 3;

interface Step {
  readonly name: string;
  readonly kind: typeof SCALAR | typeof LIST | typeof MAP | typeof MESSAGE;
  /**
   * The plan of the message the field holds (a list item, map value or
   * singular message), resolved once, so nested messages cost no lookup;
   * null where create() must build them; undefined for scalars.
   */
  nested: Plan | null | undefined;
  readonly message: DescMessage | undefined;
}

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
  const plan = planOf(schema);
  return (plan === null ? create(schema, init) : build(plan, init as Record<string, unknown>)) as MessageShape<Desc>;
}

function planOf(schema: DescMessage): Plan | null {
  let plan = plans.get(schema);
  if (plan === undefined) plans.set(schema, (plan = compile(schema)));
  return plan;
}

function build(plan: Plan, source: Record<string, unknown>): Record<string, unknown> {
  const message: Record<string, unknown> = { ...plan.zero };
  const steps = plan.steps;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const value = source[step.name];
    switch (step.kind) {
      case SCALAR:
        if (value != null) message[step.name] = value;
        break;
      case LIST:
        if (value == null) message[step.name] = [];
        else if (step.message === undefined || !Array.isArray(value)) message[step.name] = value;
        else {
          const items = new Array<unknown>(value.length);
          for (let j = 0; j < value.length; j++) items[j] = nested(step, value[j]);
          message[step.name] = items;
        }
        break;
      case MAP:
        message[step.name] = value == null ? {} : step.message !== undefined && typeof value === "object" ? mapValues(step, value) : value;
        break;
      case MESSAGE:
        if (value != null) message[step.name] = nested(step, value);
        break;
    }
  }
  return message;
}

function nested(step: Step, value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const schema = step.message!;
  // Already a message of this type: kept as is, as create() does.
  if ((value as { $typeName?: unknown }).$typeName === schema.typeName) return value;
  if (step.nested === undefined) step.nested = planOf(schema);
  return step.nested === null ? create(schema, value as MessageInitShape<DescMessage>) : build(step.nested, value as Record<string, unknown>);
}

function mapValues(step: Step, value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = nested(step, v);
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
        steps.push({ name, kind: SCALAR, nested: undefined, message: undefined });
        break;
      case "list":
        if (member.listKind === "scalar" && member.scalar === ScalarType.BYTES) return null;
        steps.push({ name, kind: LIST, nested: undefined, message: member.listKind === "message" ? member.message : undefined });
        break;
      case "map":
        if (member.mapKind === "scalar" && member.scalar === ScalarType.BYTES) return null;
        steps.push({ name, kind: MAP, nested: undefined, message: member.mapKind === "message" ? member.message : undefined });
        break;
      case "message":
        // Wrappers and Struct have special field representations in protobuf-es.
        if (member.message.typeName.startsWith("google.protobuf.")) return null;
        steps.push({ name, kind: MESSAGE, nested: undefined, message: member.message });
        break;
    }
  }
  return { zero: { ...zero }, steps };
}
