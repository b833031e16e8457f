import { equals, fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { expect } from "vitest";
import { decodeMessage, encodeMessage } from "../../src/protobuf-codec/index.js";

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * decodeMessage(bytes) must be what fromBinary(bytes) is: equal by
 * protobuf-es' equals(), the same properties and prototype (presence and
 * proto2 defaults live there), the same unknown fields, the same bytes again.
 */
export function expectDecodesLikeFromBinary(desc: DescMessage, bytes: Uint8Array): MessageShape<DescMessage> {
  const theirs = fromBinary(desc, bytes);
  const ours = decodeMessage(desc, bytes);
  expectSameMessage(desc, ours, theirs);
  return ours;
}

export function expectSameMessage(desc: DescMessage, ours: MessageShape<DescMessage>, theirs: MessageShape<DescMessage>): void {
  expect(equals(desc, ours, theirs)).toBe(true);
  expect(ours).toEqual(theirs);
  expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(theirs));
  for (const f of desc.fields) {
    if (!f.oneof) expect([f.localName, Object.hasOwn(ours, f.localName)]).toEqual([f.localName, Object.hasOwn(theirs, f.localName)]);
  }
  expect(ours.$unknown).toEqual(theirs.$unknown);
  expect(hex(toBinary(desc, ours))).toBe(hex(toBinary(desc, theirs)));
  expect(hex(encodeMessage(desc, ours))).toBe(hex(toBinary(desc, theirs)));
}
