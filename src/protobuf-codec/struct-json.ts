import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { AnyMessage } from "./schema-plan.js";

// protobuf-es holds a google.protobuf.Struct field (outside google.protobuf.Value)
// as a plain JsonObject; on the wire it is the Struct message. These convert
// exactly as protobuf-es's reflection does.

/** A JsonObject as the google.protobuf.Struct message it stands for. */
export function structFromJson(json: JsonObject): AnyMessage {
  const fields: AnyMessage = {};
  for (const [k, v] of Object.entries(json)) fields[k] = valueFromJson(v);
  return { $typeName: "google.protobuf.Struct", fields };
}

function valueFromJson(json: JsonValue | undefined): AnyMessage {
  let kind: AnyMessage = { case: undefined };
  switch (typeof json) {
    case "number":
      kind = { case: "numberValue", value: json };
      break;
    case "string":
      kind = { case: "stringValue", value: json };
      break;
    case "boolean":
      kind = { case: "boolValue", value: json };
      break;
    case "object":
      kind =
        json === null
          ? { case: "nullValue", value: 0 }
          : Array.isArray(json)
            ? { case: "listValue", value: { $typeName: "google.protobuf.ListValue", values: Array.from(json, valueFromJson) } }
            : { case: "structValue", value: structFromJson(json) };
  }
  return { $typeName: "google.protobuf.Value", kind };
}

/** A google.protobuf.Struct message as the JsonObject protobuf-es holds. */
export function structToJson(struct: AnyMessage): JsonObject {
  const json: JsonObject = {};
  for (const [k, v] of Object.entries(struct.fields as AnyMessage)) json[k] = valueToJson(v);
  return json;
}

function valueToJson(value: AnyMessage): JsonValue {
  const kind = value.kind;
  switch (kind.case) {
    case "structValue":
      return structToJson(kind.value);
    case "listValue":
      return (kind.value.values as AnyMessage[]).map(valueToJson);
    case "nullValue":
    case undefined:
      return null;
    default:
      return kind.value;
  }
}

/** What protobuf-es converts from JSON: an object that is neither null nor an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
