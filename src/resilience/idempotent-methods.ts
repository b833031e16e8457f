import type { DescMethod } from "@bufbuild/protobuf";
import { StorageService } from "../gen/sutra/storage/storage_pb.js";

// The storage writes: sending one twice may apply it twice (a second sequence
// number, a duplicate edge), so they are never retried, hedged or cached.
const writes = new Set<DescMethod>([
  StorageService.method.learnConcept,
  StorageService.method.learnAssociation,
  StorageService.method.flush,
]);

/** Whether sending the call twice is harmless: every method except the storage writes. */
export function isIdempotent(method: DescMethod): boolean {
  return !writes.has(method);
}
