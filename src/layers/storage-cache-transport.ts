import type { DescMethod } from "@bufbuild/protobuf";
import type { Transport, UnaryResponse } from "@connectrpc/connect";
import { noteCache } from "../metrics/call-notes.js";
import {
  StorageService,
  type FindPathRequest,
  type GetNeighborsRequest,
  type LearnAssociationRequest,
  type LearnConceptRequest,
  type QueryConceptRequest,
  type VectorSearchRequest,
} from "../gen/sutra/storage/storage_pb.js";
import type { CacheableStorageRead } from "../cache/cache-options.js";
import { cacheControl } from "../cache/cache-control.js";
import type { CacheKey, ResponseCache } from "../cache/response-cache.js";
import { readyAnswer } from "../call/ready-answer.js";

const s = StorageService.method;

/**
 * Caches the storage reads named in `cache.storageReads` and keeps them
 * honest: a write (`LearnConcept`, `LearnAssociation`) drops what the cache
 * holds about the concepts it touches, both when it is sent and when it
 * ends, and reads in flight across a write are neither stored nor joined.
 * Writes themselves are never cached. What a write invalidates:
 * - `LearnConcept(id)`: `QueryConcept(id)` and every `VectorSearch`;
 * - `LearnAssociation(a, b)`: `QueryConcept` and `GetNeighbors` of `a` and
 *   `b`, and every `FindPath`.
 */
export function createStorageCacheTransport(next: Transport, cache: ResponseCache): Transport {
  const reads = cache.options.storageReads;
  const metrics = cache.metrics;
  // Bumped by every write: a read started in an older epoch is not stored.
  let epoch = 0;
  // Keys of graph-wide reads, dropped wholesale by the writes that affect them.
  const pathKeys = new Set<string>();
  const vectorKeys = new Set<string>();

  const drop = (key: CacheKey) => {
    if (cache.delete(key)) metrics.cacheInvalidations++;
  };
  const dropAll = (keys: Set<string>) => {
    for (const key of keys) drop(key);
    keys.clear();
  };
  const invalidate = (method: DescMethod, input: unknown) => {
    epoch++;
    if (method === s.learnConcept) {
      const r = input as LearnConceptRequest;
      drop(`q\0${r.conceptId}`);
      dropAll(vectorKeys);
    } else if (method === s.learnAssociation) {
      const r = input as LearnAssociationRequest;
      for (const id of [r.sourceId, r.targetId]) {
        drop(`q\0${id}`);
        drop(`n\0${id}`);
      }
      dropAll(pathKeys);
    }
  };
  const remember = (keys: Set<string>, key: string) => {
    // Evicted keys linger here until the next write; keep the set bounded.
    if (keys.size >= cache.options.maxEntries * 2) {
      for (const k of keys) if (!cache.lookup(k, "")) keys.delete(k);
    }
    keys.add(key);
  };

  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      const m = method as DescMethod;
      if (m === s.learnConcept || m === s.learnAssociation) {
        invalidate(m, input);
        const settle = () => invalidate(m, input);
        const sent = next.unary(method, signal, timeoutMs, header, input, contextValues);
        sent.then(settle, settle);
        return sent;
      }
      const read = readName(m);
      const control = contextValues === undefined ? "default" : contextValues.get(cacheControl);
      if (read === undefined || !reads.has(read) || control === "bypass") {
        return next.unary(method, signal, timeoutMs, header, input, contextValues);
      }
      const key = readKey(read, input);
      if (read === "findPath") remember(pathKeys, key);
      if (read === "vectorSearch") remember(vectorKeys, key);
      if (control !== "refresh") {
        const now = cache.now();
        const entry = cache.lookup(key, "", now);
        if (entry !== undefined && cache.age(entry, now) === "fresh") {
          metrics.cacheHits++;
          if (metrics.noting) noteCache(contextValues, "hit");
          // Ready: the layers above and the service client take it without a promise hop each.
          return readyAnswer(copy(entry.response)) as never;
        }
      }
      metrics.cacheMisses++;
      const started = epoch;
      const coalesced = metrics.cacheCoalesced;
      const answer = cache.shared(
        key,
        started,
        control !== "refresh",
        signal,
        timeoutMs,
        (sig, t) => next.unary(method, sig, t, header, input, contextValues) as Promise<UnaryResponse>,
        (response) => {
          if (started === epoch) cache.store(key, "", response);
        },
      );
      // shared() counts a call that joined a request in flight.
      if (metrics.noting) noteCache(contextValues, metrics.cacheCoalesced === coalesced ? "miss" : "coalesced");
      return answer.then(copy) as never;
    },
    stream: (...args) => next.stream(...args),
  };
}

function readName(method: DescMethod): CacheableStorageRead | undefined {
  switch (method) {
    case s.queryConcept:
      return "queryConcept";
    case s.getNeighbors:
      return "getNeighbors";
    case s.findPath:
      return "findPath";
    case s.vectorSearch:
      return "vectorSearch";
    default:
      return undefined;
  }
}

function readKey(read: CacheableStorageRead, input: unknown): string {
  switch (read) {
    case "queryConcept":
      return `q\0${(input as QueryConceptRequest).conceptId}`;
    case "getNeighbors":
      return `n\0${(input as GetNeighborsRequest).conceptId}`;
    case "findPath": {
      const r = input as FindPathRequest;
      return `p\0${r.startId}\0${r.endId}\0${r.maxDepth}`;
    }
    case "vectorSearch": {
      const r = input as VectorSearchRequest;
      return `v\0${r.k}\0${r.efSearch}\0${r.queryVector.join(",")}`;
    }
  }
}

/** A copy of a shared (frozen) answer: the caller may keep it, not change the cache. */
function copy(response: UnaryResponse): UnaryResponse {
  return { ...response, message: { ...response.message } };
}
