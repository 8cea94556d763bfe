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
      while (this.#queue.length > 0) {
        const before = this.#queue.length;
        await this.#flush();
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

export function otlpJson(spans: Span[], o: Pick<OtlpOptions, "serviceName" | "version">) {
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
          startTimeUnixNano: String(s.startNs),
          endTimeUnixNano: String(s.endNs),
          attributes: jsonAttributes(s.attributes),
          events: s.events.map((e) => ({ timeUnixNano: String(e.timeNs), name: e.name })),
          status: s.status.code === 2 ? { code: 2, message: s.status.message ?? "" } : {},
        })),
      }],
    }],
  };
}

// ---- OTLP/protobuf: opentelemetry-proto's trace.proto, written field by field

class Writer {
  #parts: number[] = [];

  varint(n: number | bigint): this {
    let v = BigInt(n);
    if (v < 0n) v += 1n << 64n;
    while (v > 127n) {
      this.#parts.push(Number(v & 127n) | 128);
      v >>= 7n;
    }
    this.#parts.push(Number(v));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.#parts.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, write: (w: Writer) => void): this {
    const inner = new Writer();
    write(inner);
    return this.bytes(field, inner.done());
  }

  fixed64(field: number, n: bigint): this {
    this.tag(field, 1);
    for (let i = 0n; i < 8n; i++) this.#parts.push(Number((n >> (8n * i)) & 255n));
    return this;
  }

  double(field: number, x: number): this {
    const b = new Uint8Array(new Float64Array([x]).buffer);
    this.tag(field, 1);
    for (const byte of b) this.#parts.push(byte);
    return this;
  }

  done(): Uint8Array<ArrayBuffer> {
    return Uint8Array.from(this.#parts);
  }
}

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));

function anyValue(w: Writer, v: AttributeValue): void {
  if (typeof v === "string") w.string(1, v);
  else if (typeof v === "boolean") w.tag(2, 0).varint(v ? 1 : 0);
  else if (typeof v === "number") {
    if (Number.isInteger(v)) w.tag(3, 0).varint(v);
    else w.double(4, v);
  } else w.message(5, (a) => v.forEach((s) => a.message(1, (x) => x.string(1, s))));
}

function keyValues(w: Writer, field: number, a: Record<string, AttributeValue | undefined>) {
  for (const [key, v] of Object.entries(a)) {
    if (v !== undefined) {
      w.message(field, (kv) => kv.string(1, key).message(2, (x) => anyValue(x, v)));
    }
  }
}

export function otlpProtobuf(
  spans: Span[],
  o: Pick<OtlpOptions, "serviceName" | "version">,
): Uint8Array<ArrayBuffer> {
  return new Writer().message(1, (rs) => {
    rs.message(1, (r) => keyValues(r, 1, resource(o)));
    rs.message(2, (ss) => {
      ss.message(1, (scope) => scope.string(1, "switchyard").string(2, o.version));
      for (const s of spans) {
        ss.message(2, (w) => {
          w.bytes(1, fromHex(s.traceId)).bytes(2, fromHex(s.spanId));
          if (s.parentSpanId) w.bytes(4, fromHex(s.parentSpanId));
          w.string(5, s.name).tag(6, 0).varint(s.kind);
          w.fixed64(7, s.startNs).fixed64(8, s.endNs);
          keyValues(w, 9, s.attributes);
          for (const e of s.events) {
            w.message(11, (ev) => ev.fixed64(1, e.timeNs).string(2, e.name));
          }
          if (s.status.code === 2) {
            w.message(15, (st) => st.string(2, s.status.message ?? "").tag(3, 0).varint(2));
          }
        });
      }
    });
  }).done();
}
