// An independent TCP server for the tests that answers exactly like the storage
// server's Rust implementation (serde + rmp-serde): responses are positional
// arrays, f32 fields are MessagePack float32, f64 fields float64, integers the
// smallest marker, unit answers bare strings ("FlushOk"), errors {"Error": [msg]}.
// It shares no code with src/: its MessagePack decoder and encoder are written
// here, and the decoder keeps each float's width so requests can be checked
// byte for byte. Every check that fails prints a line starting with VIOLATION.
//
// Usage: node rust-style-tcp-server.mjs [--port N] [--stats-fields 7|8] [--named]
//          [--stall-ms N] [--close-after N] [--garbage] [--oversize] [--auth-token T]
//          [--log-layout]
// Requests are read as serde reads a struct: a named map or a positional array.
// Fault triggers (each only when its flag is set, per request id: concept_id or request_id):
//   --stall-ms N   ids starting with "stall" are answered after N ms
//   --close-after N  a connection is closed after answering N requests
//   --garbage      id "garbage" is answered with an undecodable frame
//   --oversize     id "oversize" is answered with a frame header announcing 2 GiB
//   id "reset" always resets the connection without answering;
//   id "fail" is always answered with {"Error": ["requested failure for <Variant>"]}.
// Prints "rust-style tcp server listening port=PORT"; logs "learned <id>" for every
// LearnConcept and "assoc <src> <dst>" for every LearnAssociation it executes, and
// with --log-layout "layout <Variant> named|positional" for every request with fields.
import net from "node:net";

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const port = Number(opt("--port", "0"));
const statsFields = Number(opt("--stats-fields", "7"));
const named = flag("--named");
const stallMs = Number(opt("--stall-ms", "0"));
const closeAfter = Number(opt("--close-after", "0"));
const garbage = flag("--garbage");
const oversize = flag("--oversize");
const authToken = opt("--auth-token", undefined);
const logLayout = flag("--log-layout");
const maxFrame = 16 * 1024 * 1024;
const started = Date.now();

// ---- decoding: values keep their MessagePack type ----
class F32 { constructor(v) { this.v = v; } }
class F64 { constructor(v) { this.v = v; } }
class Int { constructor(v) { this.v = v; } } // v: bigint
const utf8 = new TextDecoder("utf-8", { fatal: true });

function decode(buf) {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const need = (n) => { if (pos + n > buf.length) throw new Error("truncated MessagePack"); };
  const str = (n) => { need(n); const s = utf8.decode(buf.subarray(pos, pos + n)); pos += n; return s; };
  const arr = (n) => { const a = []; for (let i = 0; i < n; i++) a.push(read()); return a; };
  const map = (n) => { const m = new Map(); for (let i = 0; i < n; i++) { const k = read(); m.set(k, read()); } return m; };
  function read() {
    need(1);
    const t = buf[pos++];
    if (t <= 0x7f) return new Int(BigInt(t));
    if (t >= 0xe0) return new Int(BigInt(t - 0x100));
    if ((t & 0xf0) === 0x80) return map(t & 0x0f);
    if ((t & 0xf0) === 0x90) return arr(t & 0x0f);
    if ((t & 0xe0) === 0xa0) return str(t & 0x1f);
    let v;
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xca: need(4); v = view.getFloat32(pos); pos += 4; return new F32(v);
      case 0xcb: need(8); v = view.getFloat64(pos); pos += 8; return new F64(v);
      case 0xcc: need(1); return new Int(BigInt(buf[pos++]));
      case 0xcd: need(2); v = view.getUint16(pos); pos += 2; return new Int(BigInt(v));
      case 0xce: need(4); v = view.getUint32(pos); pos += 4; return new Int(BigInt(v));
      case 0xcf: need(8); v = view.getBigUint64(pos); pos += 8; return new Int(v);
      case 0xd0: need(1); v = view.getInt8(pos); pos += 1; return new Int(BigInt(v));
      case 0xd1: need(2); v = view.getInt16(pos); pos += 2; return new Int(BigInt(v));
      case 0xd2: need(4); v = view.getInt32(pos); pos += 4; return new Int(BigInt(v));
      case 0xd3: need(8); v = view.getBigInt64(pos); pos += 8; return new Int(v);
      case 0xd9: need(1); return str(buf[pos++]);
      case 0xda: need(2); v = view.getUint16(pos); pos += 2; return str(v);
      case 0xdb: need(4); v = view.getUint32(pos); pos += 4; return str(v);
      case 0xdc: need(2); v = view.getUint16(pos); pos += 2; return arr(v);
      case 0xdd: need(4); v = view.getUint32(pos); pos += 4; return arr(v);
      case 0xde: need(2); v = view.getUint16(pos); pos += 2; return map(v);
      case 0xdf: need(4); v = view.getUint32(pos); pos += 4; return map(v);
      default: throw new Error(`MessagePack type 0x${t.toString(16)} is not plain MessagePack for this protocol`);
    }
  }
  const value = read();
  if (pos !== buf.length) throw new Error(`${buf.length - pos} trailing bytes after the value`);
  return value;
}

// ---- encoding: explicit types, like rmp-serde from Rust types ----
const f32 = (v) => ({ f32: v });
const f64 = (v) => ({ f64: v });
function encode(value) {
  const out = [];
  const u8 = (...b) => out.push(...b);
  const be = (bytes, setter, v) => { const d = new DataView(new ArrayBuffer(bytes)); d[setter](0, v); out.push(...new Uint8Array(d.buffer)); };
  function uint(v) { // v: bigint >= 0
    if (v < 128n) u8(Number(v));
    else if (v < 256n) u8(0xcc, Number(v));
    else if (v < 65536n) { u8(0xcd); be(2, "setUint16", Number(v)); }
    else if (v < 4294967296n) { u8(0xce); be(4, "setUint32", Number(v)); }
    else { u8(0xcf); be(8, "setBigUint64", v); }
  }
  function write(v) {
    if (v === null) return u8(0xc0);
    if (v === true) return u8(0xc3);
    if (v === false) return u8(0xc2);
    if (typeof v === "bigint" || typeof v === "number") {
      const b = BigInt(v);
      if (b >= 0n) return uint(b);
      if (b >= -32n) return u8(Number(b) & 0xff);
      if (b >= -128n) { u8(0xd0); return be(1, "setInt8", Number(b)); }
      if (b >= -32768n) { u8(0xd1); return be(2, "setInt16", Number(b)); }
      if (b >= -2147483648n) { u8(0xd2); return be(4, "setInt32", Number(b)); }
      u8(0xd3); return be(8, "setBigInt64", b);
    }
    if (typeof v === "string") {
      const b = Buffer.from(v, "utf8");
      if (b.length < 32) u8(0xa0 | b.length);
      else if (b.length < 256) u8(0xd9, b.length);
      else { u8(0xda); be(2, "setUint16", b.length); }
      return out.push(...b);
    }
    if (Array.isArray(v)) {
      if (v.length < 16) u8(0x90 | v.length); else { u8(0xdc); be(2, "setUint16", v.length); }
      for (const x of v) write(x);
      return;
    }
    if ("f32" in v) { u8(0xca); return be(4, "setFloat32", v.f32); }
    if ("f64" in v) { u8(0xcb); return be(8, "setFloat64", v.f64); }
    const entries = v instanceof Map ? [...v] : Object.entries(v);
    if (entries.length < 16) u8(0x80 | entries.length); else { u8(0xde); be(2, "setUint16", entries.length); }
    for (const [k, x] of entries) { write(k); write(x); }
  }
  write(value);
  const payload = Buffer.from(out);
  const frame = Buffer.alloc(4 + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, 4);
  return frame;
}

// ---- request schemas (what the Rust structs declare) ----
const s = "string", u32 = "u32", i64 = "i64", F32T = "f32", F64T = "f64", b = "bool";
const event = [["timestamp_ms", i64], ["event_type", s], ["event_value", F64T], ["source", s], ["attributes", "map"]];
const predictReq = [["request_id", s], ["timestamp_ms", i64], ["customer_id", s], ["platform", s],
  ["event_history", ["list", event]], ["current_cac", F64T], ["campaign_id", s], ["ad_group_id", s],
  ["features", ["list", F64T]], ["metadata", "map"]];
const requests = {
  LearnConcept: [["concept_id", s], ["content", s], ["embedding", ["list", F32T]], ["strength", F32T], ["confidence", F32T]],
  LearnAssociation: [["source_id", s], ["target_id", s], ["assoc_type", u32], ["confidence", F32T]],
  QueryConcept: [["concept_id", s]],
  GetNeighbors: [["concept_id", s]],
  FindPath: [["start_id", s], ["end_id", s], ["max_depth", u32]],
  VectorSearch: [["query_vector", ["list", F32T]], ["k", u32], ["ef_search", u32]],
  GetStats: null, Flush: null, HealthCheck: null,
  PredictLTV: predictReq,
  PredictLTVBatch: [["requests", ["list", predictReq]]],
  GetModelHealth: [["include_metrics", b]],
};

class Invalid extends Error {}
class Failure extends Error {}
function check(type, v, path) {
  const bad = (what) => { throw new Invalid(`${path}: expected ${what}, got ${describe(v)}`); };
  if (type === s) return typeof v === "string" ? v : bad("a string");
  if (type === b) return typeof v === "boolean" ? v : bad("a bool");
  if (type === F32T) return v instanceof F32 ? v.v : bad("float32 (0xca)");
  if (type === F64T) return v instanceof F64 ? v.v : bad("float64 (0xcb)");
  if (type === u32) return v instanceof Int && v.v >= 0n && v.v <= 0xffffffffn ? Number(v.v) : bad("u32");
  if (type === i64) return v instanceof Int ? v.v : bad("an integer");
  if (type === "map") {
    if (!(v instanceof Map)) bad("a map");
    const o = {};
    for (const [k, x] of v) { if (typeof k !== "string" || typeof x !== "string") bad("map<string,string>"); o[k] = x; }
    return o;
  }
  if (Array.isArray(type) && type[0] === "list") {
    if (!Array.isArray(v)) bad("an array");
    return v.map((x, i) => check(type[1], x, `${path}[${i}]`));
  }
  return struct(type, v, path);
}
function struct(fields, v, path) {
  const o = {};
  if (Array.isArray(v)) {
    if (v.length !== fields.length) throw new Invalid(`${path}: invalid length ${v.length}, expected ${fields.length} fields`);
    fields.forEach(([name, t], i) => (o[name] = check(t, v[i], `${path}.${name}`)));
    return o;
  }
  if (!(v instanceof Map)) throw new Invalid(`${path}: expected a struct, got ${describe(v)}`);
  for (const [name, t] of fields) {
    if (!v.has(name)) throw new Invalid(`${path}: missing field \`${name}\``);
    o[name] = check(t, v.get(name), `${path}.${name}`);
  }
  return o;
}
function describe(v) {
  if (v === null) return "nil";
  if (v instanceof F32) return "float32";
  if (v instanceof F64) return "float64";
  if (v instanceof Int) return "integer";
  if (Array.isArray(v)) return "array";
  if (v instanceof Map) return "map";
  return typeof v;
}
function parseRequest(value) {
  let variant, body, bare = false;
  if (typeof value === "string") { variant = value; bare = true; }
  else if (value instanceof Map && value.size === 1) {
    [[variant, body]] = [...value];
    if (typeof variant !== "string") throw new Invalid("variant tag must be a string");
  } else throw new Invalid(`expected an externally tagged enum, got ${describe(value)}`);
  if (!(variant in requests)) throw new Invalid(`unknown variant \`${variant}\``);
  const fields = requests[variant];
  if (fields === null) {
    if (bare || body === null) return { variant, req: {} };
    throw new Invalid(`invalid type: ${describe(body)}, expected unit variant ${variant}`);
  }
  if (bare) throw new Invalid(`invalid type: unit variant, expected struct variant ${variant}`);
  if (logLayout) console.log(`layout ${variant} ${Array.isArray(body) ? "positional" : "named"}`);
  return { variant, req: struct(fields, body, variant) };
}

// ---- the store ----
const concepts = new Map();
const edges = new Map();
let edgeCount = 0;
let sequence = 9007199254740993n; // 2^53 + 1: sequences only survive as bigint
const nextSeq = () => sequence++;
const out = (fields, names) => (named ? Object.fromEntries(names.map((n, i) => [n, fields[i]])) : fields);

function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) { dot += a[i] * b[i]; na += a[i] ** 2; nb += b[i] ** 2; }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
function predict(r) {
  const spend = r.event_history.reduce((acc, e) => acc + e.event_value, 0);
  const ltv = Math.round((spend * 3.5 + r.current_cac * 1.25 + 0.5) * 100) / 100;
  return out([r.request_id, r.timestamp_ms, f64(ltv), f64(0.75), f64(ltv * 0.5), f64(ltv * 1.5), "rust-style-1",
    [out(["spend", f64(0.625), f64(spend)], ["name", "importance", "value"])], 42, "SUCCESS", ""],
    ["request_id", "timestamp_ms", "predicted_ltv", "confidence", "ltv_lower_bound", "ltv_upper_bound",
      "model_version", "top_features", "inference_time_us", "status", "error_message"]);
}

function answer(variant, r) {
  switch (variant) {
    case "LearnConcept":
      concepts.set(r.concept_id, r);
      console.log(`learned ${r.concept_id}`);
      return { LearnConceptOk: out([nextSeq()], ["sequence"]) };
    case "LearnAssociation": {
      const list = edges.get(r.source_id) ?? [];
      list.push(r.target_id);
      edges.set(r.source_id, list);
      edgeCount++;
      console.log(`assoc ${r.source_id} ${r.target_id}`);
      return { LearnAssociationOk: out([nextSeq()], ["sequence"]) };
    }
    case "QueryConcept": {
      const c = concepts.get(r.concept_id);
      return { QueryConceptOk: out([!!c, r.concept_id, c ? c.content : "", f32(c ? c.strength : 0), f32(c ? c.confidence : 0)],
        ["found", "concept_id", "content", "strength", "confidence"]) };
    }
    case "GetNeighbors":
      return { GetNeighborsOk: out([edges.get(r.concept_id) ?? []], ["neighbor_ids"]) };
    case "FindPath": {
      const prev = new Map([[r.start_id, null]]);
      let frontier = [r.start_id];
      for (let d = 0; d < r.max_depth && frontier.length && !prev.has(r.end_id); d++) {
        const next = [];
        for (const n of frontier) for (const m of edges.get(n) ?? []) if (!prev.has(m)) { prev.set(m, n); next.push(m); }
        frontier = next;
      }
      const path = [];
      if (prev.has(r.end_id)) for (let n = r.end_id; n !== null; n = prev.get(n)) path.unshift(n);
      return { FindPathOk: out([path.length > 0, path], ["found", "path"]) };
    }
    case "VectorSearch": {
      const hits = [...concepts.values()].filter((c) => c.embedding.length > 0)
        .map((c) => [c.concept_id, cosine(r.query_vector, c.embedding)])
        .sort((a, b) => b[1] - a[1]).slice(0, r.k)
        .map(([id, sim]) => out([id, f32(sim)], ["concept_id", "similarity"]));
      return { VectorSearchOk: out([hits], ["results"]) };
    }
    case "GetStats": {
      const uptime = BigInt(Math.floor((Date.now() - started) / 1000));
      const dropped = 18446744073709551557n; // near u64::MAX: must not be rounded
      const f = [BigInt(concepts.size), BigInt(edgeCount), sequence - 9007199254740993n, dropped, 3n, 9007199254740993n, uptime];
      const names = ["concepts", "edges", "written", "dropped", "pending", "reconciliations", "uptime_seconds"];
      if (statsFields === 8) { f.splice(2, 0, BigInt(concepts.size)); names.splice(2, 0, "vectors"); }
      return { StatsOk: out(f, names) };
    }
    case "Flush":
      return "FlushOk";
    case "HealthCheck":
      return { HealthCheckOk: out([true, "ok", BigInt(Math.floor((Date.now() - started) / 1000))], ["healthy", "status", "uptime_seconds"]) };
    case "PredictLTV":
      return { PredictLTVOk: predict(r) };
    case "PredictLTVBatch": {
      const responses = r.requests.map(predict);
      return { PredictLTVBatchOk: out([responses, responses.length, responses.length, 0], ["responses", "total_processed", "successful", "failed"]) };
    }
    case "GetModelHealth":
      return { GetModelHealthOk: out([true, "rust-style-1", 7, f64(0.81), f64(0.8), 9007199254740993n, f64(1.5), f64(2.5), f64(3.5), f64(12.5), f64(256), 1],
        ["is_healthy", "model_version", "uptime_seconds", "current_accuracy", "target_accuracy", "predictions_today",
          "avg_latency_ms", "p95_latency_ms", "p99_latency_ms", "cpu_usage_percent", "memory_usage_mb", "active_connections"]) };
  }
}

function requestId(r) {
  return r.concept_id ?? r.request_id ?? r.source_id ?? "";
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let buf = Buffer.alloc(0);
  let authed = authToken === undefined;
  let answered = 0;
  let busy = false;
  let dead = false;
  socket.on("error", () => { dead = true; });
  socket.on("close", () => { dead = true; });
  socket.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    void drain();
  });
  // Strictly sequential: one frame is read, answered, then the next.
  async function drain() {
    if (busy) return;
    busy = true;
    try {
      while (!dead) {
        if (!authed) {
          if (buf.length < 4) return;
          const n = buf.readUInt32BE(0);
          if (n > 4096) { socket.destroy(); return; }
          if (buf.length < 4 + n) return;
          const token = buf.subarray(4, 4 + n).toString("utf8");
          buf = buf.subarray(4 + n);
          if (token !== authToken) { console.log("auth refused"); socket.destroy(); return; }
          authed = true;
          socket.write(Buffer.from([1]));
          continue;
        }
        if (buf.length < 4) return;
        const n = buf.readUInt32BE(0);
        if (n > maxFrame) { socket.destroy(); return; }
        if (buf.length < 4 + n) return;
        const payload = buf.subarray(4, 4 + n);
        buf = buf.subarray(4 + n);
        let reply;
        try {
          const { variant, req } = parseRequest(decode(payload));
          const id = requestId(req);
          if (id === "reset") { socket.resetAndDestroy(); return; }
          if (id === "fail") throw new Failure(`requested failure for ${variant}`);
          if (stallMs > 0 && id.startsWith("stall")) await sleep(stallMs);
          if (garbage && id === "garbage") { socket.write(Buffer.from([0, 0, 0, 3, 0x81, 0xa5, 0x68])); reply = null; }
          else if (oversize && id === "oversize") { socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x81, 0xa1])); reply = null; }
          else reply = encode(answer(variant, req));
        } catch (e) {
          if (e instanceof Invalid) console.log(`VIOLATION ${e.message}`);
          const message = e instanceof Error ? e.message : String(e);
          reply = encode({ Error: out([message], ["message"]) });
        }
        if (dead) return;
        if (reply) socket.write(reply);
        answered++;
        if (closeAfter > 0 && answered >= closeAfter) { socket.end(); dead = true; return; }
      }
    } finally {
      busy = false;
    }
  }
});
server.listen(port, "127.0.0.1", () => {
  console.log(`rust-style tcp server listening port=${server.address().port}`);
});
