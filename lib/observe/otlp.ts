/**
 * Spans to an OpenTelemetry collector over OTLP/HTTP (SPEC §14), JSON or
 * protobuf, batched off the request path: ended spans wait in a bounded
 * queue and go out every second (or at once, 512 at a time). A collector
 * that is down or slow never holds a request: a batch it refused waits for
 * the next try, and what no longer fits the queue is dropped and counted.
 */
import type { AttributeValue, Span, SpanSink } from "./trace.ts";

export interface OtlpOptions {
  /** The collector's base URL: spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  protocol: "http/protobuf" | "http/json";
  headers: Record<string, string>;
  serviceName: string;
  version: string;
  /** Told how many spans were dropped (`switchyard_otel_dropped_spans_total`). */
  onDrop(count: number): void;
}

const MAX_QUEUE = 2048;
const BATCH = 512;
const EVERY_MS = 1000;
const EXPORT_TIMEOUT_MS = 10_000;

export class OtlpExporter implements SpanSink {
  #queue: Span[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #sending: Promise<void> | undefined;
  readonly #url: string;

  constructor(readonly options: OtlpOptions) {
    this.#url = `${options.endpoint.replace(/\/+$/, "")}/v1/traces`;
  }

  add(span: Span): void {
    if (this.#queue.length >= MAX_QUEUE) return this.options.onDrop(1);
    this.#queue.push(span);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#flush(), EVERY_MS);
      Deno.unrefTimer(this.#timer as unknown as number);
    }
    if (this.#queue.length >= BATCH) queueMicrotask(() => this.#flush());
  }

  #flush(): Promise<void> {
    if (this.#sending || this.#queue.length === 0) return this.#sending ?? Promise.resolve();
    const batch = this.#queue.splice(0, BATCH);
    this.#sending = this.#send(batch).finally(() => this.#sending = undefined);
    return this.#sending;
  }

  async #send(batch: Span[]): Promise<void> {
    const json = this.options.protocol === "http/json";
    try {
      const r = await fetch(this.#url, {
        method: "POST",
        headers: {
          ...this.options.headers,
          "content-type": json ? "application/json" : "application/x-protobuf",
        },
        body: json
          ? JSON.stringify(otlpJson(batch, this.options))
          : otlpProtobuf(batch, this.options),
        signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
      });
      await r.body?.cancel();
      // 4xx other than 429: the collector will never take this batch.
      if (r.status >= 400 && r.status < 500 && r.status !== 429) this.options.onDrop(batch.length);
      else if (!r.ok) this.#keep(batch);
    } catch {
      this.#keep(batch);
    }
  }

  /** A batch the collector did not take, back at the front for the next try, as far as room allows. */
  #keep(batch: Span[]): void {
    const room = Math.max(0, MAX_QUEUE - this.#queue.length);
    if (room < batch.length) this.options.onDrop(batch.length - room);
    this.#queue.unshift(...batch.slice(batch.length - room));
  }

  /** Sends what is queued (one try each batch), for `ms` at most, then stops. */
  async close(ms = 2000): Promise<void> {
    clearInterval(this.#timer);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
    const drain = async () => {
      // A send already under way first: what it leaves is what there is to send.
      await this.#sending;
      while (this.#queue.length > 0) {
        const before = this.#queue.length;
        await this.#flush();
        // The collector kept nothing: it is down, and the rest waits no longer.
        if (this.#queue.length >= before) return;
      }
    };
    await Promise.race([drain(), late]);
    clearTimeout(timer);
  }
}

// ---- OTLP/JSON (the protobuf messages' JSON mapping: ids as hex, 64-bit numbers as strings)

type JsonValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: JsonValue[] } };

function jsonValue(v: AttributeValue): JsonValue {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") {
    return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  }
  return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } };
}

const jsonAttributes = (a: Record<string, AttributeValue | undefined>) =>
  Object.entries(a).flatMap(([key, v]) => (v === undefined ? [] : [{ key, value: jsonValue(v) }]));

function resource(o: Pick<OtlpOptions, "serviceName" | "version">) {
  return { "service.name": o.serviceName, "service.version": o.version };
}

function otlpJson(spans: Span[], o: Pick<OtlpOptions, "serviceName" | "version">) {
  return {
    resourceSpans: [{
      resource: { attributes: jsonAttributes(resource(o)) },
      scopeSpans: [{
        scope: { name: "switchyard", version: o.version },
        spans: spans.map((s) => ({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: nanos(s.start),
          endTimeUnixNano: nanos(s.ended),
          attributes: jsonAttributes(s.attributes),
          events: s.events.map((e) => ({ timeUnixNano: nanos(e.time), name: e.name })),
          status: s.status.code === 2 ? { code: 2, message: s.status.message ?? "" } : {},
        })),
      }],
    }],
  };
}

// ---- OTLP/protobuf: opentelemetry-proto's trace.proto, written field by field into one buffer

/** Unix ms as nanoseconds in text (JSON's 64-bit integers are strings). */
const nanos = (ms: number) => Math.round(ms * 1e6).toString();

const utf8 = new TextEncoder();
const HEX_DIGIT = new Uint8Array(128);
for (let i = 0; i < 16; i++) HEX_DIGIT["0123456789abcdef".charCodeAt(i)] = i;

/**
 * A protobuf writer over one growing buffer. A nested message is written in
 * place, then its length is put before it (moving it right by the length's
 * few bytes): no buffer per message, no copy per byte.
 */
class Writer {
  buf = new Uint8Array(65536);
  at = 0;

  #room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.at));
    this.buf = grown;
  }

  varint(n: number): void {
    this.#room(10);
    while (n > 127) {
      this.buf[this.at++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    this.buf[this.at++] = n;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  string(field: number, s: string): void {
    this.tag(field, 2);
    if (s.length < 128 && this.#ascii(s)) return;
    this.#room(s.length * 3 + 5);
    const start = this.at;
    const { written } = utf8.encodeInto(s, this.buf.subarray(start));
    this.#lengthBefore(start, written);
  }

  /** A short ASCII text, with its one-byte length, written byte by byte; false (nothing written) otherwise. */
  #ascii(s: string): boolean {
    this.#room(s.length + 1);
    const buf = this.buf;
    let at = this.at + 1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) return false;
      buf[at++] = c;
    }
    buf[this.at] = s.length;
    this.at = at;
    return true;
  }

  hex(field: number, hex: string): void {
    this.tag(field, 2);
    this.varint(hex.length / 2);
    this.#room(hex.length / 2);
    for (let i = 0; i < hex.length; i += 2) {
      this.buf[this.at++] = (HEX_DIGIT[hex.charCodeAt(i)] << 4) | HEX_DIGIT[hex.charCodeAt(i + 1)];
    }
  }

  /** A message field: `write` writes its content. */
  message(field: number, write: () => void): void {
    this.tag(field, 2);
    const start = this.at;
    write();
    this.#lengthBefore(start, this.at - start);
  }

  /** Puts `length`'s varint before the `length` bytes at `start` (where the writer's position is). */
  #lengthBefore(start: number, length: number): void {
    let size = 1;
    for (let n = length; n > 127; n = Math.floor(n / 128)) size++;
    this.#room(size);
    this.buf.copyWithin(start + size, start, start + length);
    const end = start + size + length;
    this.at = start;
    this.varint(length);
    this.at = end;
  }

  /** Unix ms as fixed64 nanoseconds. */
  nanos(field: number, ms: number): void {
    this.tag(field, 1);
    this.#room(8);
    const ns = Math.round(ms * 1e6);
    const high = Math.floor(ns / 4294967296);
    const view = new DataView(this.buf.buffer, this.at, 8);
    view.setUint32(0, ns - high * 4294967296, true);
    view.setUint32(4, high, true);
    this.at += 8;
  }

  double(field: number, x: number): void {
    this.tag(field, 1);
    this.#room(8);
    new DataView(this.buf.buffer, this.at, 8).setFloat64(0, x, true);
    this.at += 8;
  }

  done(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.at);
  }
}

function anyValue(w: Writer, v: AttributeValue): void {
  if (typeof v === "string") w.string(1, v);
  else if (typeof v === "boolean") {
    w.tag(2, 0);
    w.varint(v ? 1 : 0);
  } else if (typeof v === "number") {
    if (Number.isInteger(v) && v >= 0) {
      w.tag(3, 0);
      w.varint(v);
    } else w.double(4, v);
  } else w.message(5, () => v.forEach((s) => w.message(1, () => w.string(1, s))));
}

// deno-lint-ignore no-control-regex -- ASCII is every code below 128
const SHORT_ASCII = /^[\x00-\x7f]{0,60}$/;

function keyValues(w: Writer, field: number, a: Record<string, AttributeValue | undefined>) {
  for (const key in a) {
    const v = a[key];
    if (v === undefined) continue;
    // Most attributes are short ASCII pairs: every length is one byte and known before writing.
    if (typeof v === "string" && SHORT_ASCII.test(key) && SHORT_ASCII.test(v)) {
      w.tag(field, 2);
      w.varint(2 + key.length + 2 + 2 + v.length);
      w.string(1, key);
      w.tag(2, 2);
      w.varint(2 + v.length);
      w.string(1, v);
      continue;
    }
    w.message(field, () => {
      w.string(1, key);
      w.message(2, () => anyValue(w, v));
    });
  }
}

function otlpProtobuf(
  spans: Span[],
  o: Pick<OtlpOptions, "serviceName" | "version">,
): Uint8Array<ArrayBuffer> {
  const w = new Writer();
  w.message(1, () => {
    w.message(1, () => keyValues(w, 1, resource(o)));
    w.message(2, () => {
      w.message(1, () => {
        w.string(1, "switchyard");
        w.string(2, o.version);
      });
      for (const s of spans) {
        w.message(2, () => {
          w.hex(1, s.traceId);
          w.hex(2, s.spanId);
          if (s.parentSpanId) w.hex(4, s.parentSpanId);
          w.string(5, s.name);
          w.tag(6, 0);
          w.varint(s.kind);
          w.nanos(7, s.start);
          w.nanos(8, s.ended);
          keyValues(w, 9, s.attributes);
          for (const e of s.events) {
            w.message(11, () => {
              w.nanos(1, e.time);
              w.string(2, e.name);
            });
          }
          if (s.status.code === 2) {
            w.message(15, () => {
              w.string(2, s.status.message ?? "");
              w.tag(3, 0);
              w.varint(2);
            });
          }
        });
      }
    });
  });
  return w.done();
}
