import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";

/**
 * A strict reader of the Prometheus text format, line by line as
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details says, and a
 * second opinion from parse-prometheus-text-format (a port of the Python client's parser) on
 * every counter and gauge. That library folds a histogram's label sets into one, so histograms
 * are checked here only.
 */

type FamilyType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

interface Sample {
  /** The sample's own name: a histogram's `_bucket`, `_sum` and `_count` lines keep their suffix. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Family {
  name: string;
  type: FamilyType;
  help?: string;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const suffixes: Record<FamilyType, string[]> = {
  counter: [""],
  gauge: [""],
  untyped: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

/** A value as Go's ParseFloat reads it: the special values in any case (prom-client writes "Nan"). */
function floatOf(text: string, line: string): number {
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(text)) return Number.NaN;
  assert.match(text, /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i, `not a float in: ${line}`);
  return Number(text);
}

function parseSampleLine(line: string): Sample {
  const name = metricName.exec(line)?.[0];
  assert.ok(name, `no metric name: ${line}`);
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === "{") {
    at += 1;
    while (line[at] !== "}") {
      const label = labelName.exec(line.slice(at))?.[0];
      assert.ok(label, `no label name at ${at}: ${line}`);
      assert.ok(!(label in labels), `label ${label} twice: ${line}`);
      at += label.length;
      assert.equal(line.slice(at, at + 2), '="', `label ${label} has no quoted value: ${line}`);
      at += 2;
      let value = "";
      while (line[at] !== '"') {
        assert.ok(at < line.length, `unterminated label value: ${line}`);
        if (line[at] === "\\") {
          const escaped = line[at + 1];
          assert.ok(escaped === "\\" || escaped === '"' || escaped === "n", `bad escape in: ${line}`);
          value += escaped === "n" ? "\n" : escaped;
          at += 2;
        } else {
          value += line[at];
          at += 1;
        }
      }
      labels[label] = value;
      at += 1;
      if (line[at] === ",") at += 1;
      else assert.equal(line[at], "}", `labels not closed: ${line}`);
    }
    at += 1;
  }
  const rest = /^ (\S+)(?: (-?\d+))?$/.exec(line.slice(at));
  assert.ok(rest, `no value (and optional integer timestamp) after the labels: ${line}`);
  return { name, labels, value: floatOf(rest[1]!, line) };
}

const withoutLe = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).filter(([name]) => name !== "le"));

/** A histogram's series: cumulative buckets ending in +Inf, equal to the count, with a sum. */
function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const sample of family.samples) {
    const key = withoutLe(sample.labels);
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith("_bucket")) {
      assert.ok(sample.labels.le !== undefined, `${family.name}: a bucket without le`);
      entry.buckets.push([floatOf(sample.labels.le, sample.labels.le), sample.value]);
    } else if (sample.name.endsWith("_sum")) entry.sum = sample.value;
    else entry.count = sample.value;
  }
  for (const [key, { buckets, sum, count }] of series) {
    assert.ok(sum !== undefined && count !== undefined, `${family.name}${key}: no sum or count`);
    const bounds = buckets.map(([bound]) => bound);
    assert.deepEqual(
      bounds,
      [...bounds].sort((a, b) => a - b),
      `${family.name}${key}: buckets in order`,
    );
    assert.equal(bounds.at(-1), Infinity, `${family.name}${key}: a +Inf bucket`);
    assert.equal(buckets.at(-1)![1], count, `${family.name}${key}: the +Inf bucket is the count`);
    buckets.forEach(([, value], index) =>
      assert.ok(index === 0 || value >= buckets[index - 1]![1], `${family.name}${key}: cumulative buckets`),
    );
  }
}

function readFamilies(text: string): Family[] {
  assert.ok(text.endsWith("\n"), "the exposition ends with a line feed");
  const families: Family[] = [];
  let current: Family | undefined;
  const seriesSeen = new Set<string>();
  for (const line of text.slice(0, -1).split("\n")) {
    if (line === "") continue;
    const comment = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
    if (comment) {
      const [, keyword, name, rest = ""] = comment;
      assert.match(name!, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/, line);
      if (current?.name !== name) {
        assert.ok(!families.some((family) => family.name === name), `${name} appears in two groups`);
        families.push({ name: name!, type: "untyped", samples: [] });
      }
      const family = families.at(-1)!;
      current = family;
      if (keyword === "HELP") {
        assert.equal(family.help, undefined, `${name}: HELP twice`);
        assert.doesNotMatch(rest, /\\[^\\n]/, `${name}: HELP escapes only \\\\ and \\n`);
        family.help = rest;
      } else {
        assert.equal(family.samples.length, 0, `${name}: TYPE after its samples`);
        assert.match(rest, /^(counter|gauge|histogram|summary|untyped)$/, line);
        family.type = rest as FamilyType;
      }
      continue;
    }
    if (line.startsWith("#")) continue;
    const sample = parseSampleLine(line);
    const family = current;
    assert.ok(
      family && suffixes[family.type].some((suffix) => sample.name === `${family.name}${suffix}`),
      `a sample outside its family's group: ${line}`,
    );
    const series = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    assert.ok(!seriesSeen.has(series), `the same series twice: ${line}`);
    seriesSeen.add(series);
    if (family.type === "counter") assert.ok(!(sample.value < 0), `a negative counter: ${line}`);
    family.samples.push(sample);
  }
  for (const family of families) if (family.type === "histogram") checkHistogram(family);
  return families;
}

/** The library's reading of each counter and gauge must be this reader's. */
function crossCheck(text: string, families: Family[]): void {
  for (const theirs of parsePrometheusTextFormat(text)) {
    if (theirs.type !== "COUNTER" && theirs.type !== "GAUGE") continue;
    const ours = families.find((family) => family.name === theirs.name);
    assert.equal(ours?.type.toUpperCase(), theirs.type, `${theirs.name}'s type`);
    const read = (labels: Record<string, string> | undefined, value: number) =>
      `${JSON.stringify(Object.entries(labels ?? {}).sort())} ${value}`;
    assert.deepEqual(
      theirs.metrics.map((sample) => read(sample.labels, floatOf(sample.value!, theirs.name))).sort(),
      ours!.samples.map((sample) => read(sample.labels, sample.value)).sort(),
      `${theirs.name} read alike`,
    );
  }
}

const matches = (sample: Sample, labels: Record<string, string>) =>
  Object.entries(labels).every(([name, value]) => sample.labels[name] === value);

/** A scrape, checked as valid exposition, with readers for what tests assert. */
export function parseExposition(text: string) {
  const families = readFamilies(text);
  crossCheck(text, families);
  const family = (name: string) => {
    const found = families.find((candidate) => candidate.name === name);
    assert.ok(found, `no ${name} in the scrape`);
    return found;
  };
  return {
    names: new Set(families.map((each) => each.name)),
    /** A counter's or gauge's samples with these labels, summed (0 when none). */
    value: (name: string, labels: Record<string, string> = {}) =>
      family(name)
        .samples.filter((sample) => matches(sample, labels))
        .reduce((sum, sample) => sum + sample.value, 0),
    /** How many observations a histogram's series with these labels hold. */
    observations: (name: string, labels: Record<string, string> = {}) =>
      family(name)
        .samples.filter((sample) => sample.name === `${name}_count` && matches(sample, labels))
        .reduce((sum, sample) => sum + sample.value, 0),
    /** Every value of one label across a family. */
    labelValues: (name: string, label: string) =>
      new Set(family(name).samples.flatMap((sample) => sample.labels[label] ?? [])),
    /** Every label value of every family. */
    allLabelValues: () => families.flatMap((each) => each.samples.flatMap((sample) => Object.values(sample.labels))),
  };
}
