// Prometheus' text exposition format, read as far as the overview page needs: one sample per
// line, `name{label="value",…} number`; comments (# HELP, # TYPE) and blank lines skipped.
const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels = {};
    for (const [, key, value] of (m[2] || '').matchAll(LABEL)) labels[key] = value.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

// The sum of a metric's samples whose labels pass `keep`.
export function total(samples, name, keep = () => true) {
  let sum = 0;
  for (const s of samples) if (s.name === name && keep(s.labels)) sum += s.value;
  return sum;
}

// A histogram's buckets summed over its series: [[upper bound, cumulative count], …] by bound.
export function buckets(samples, name, keep = () => true) {
  const byBound = new Map();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !keep(s.labels)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byBound.set(le, (byBound.get(le) || 0) + s.value);
  }
  return [...byBound.entries()].sort((a, b) => a[0] - b[0]);
}

// The q-quantile of what was observed between two readings of the same histogram (the upper bound
// of the bucket it falls in, as Prometheus' histogram_quantile does without interpolation); null
// when nothing was observed.
export function quantileBetween(before, after, q) {
  const old = new Map(before);
  const counts = after.map(([le, n]) => [le, n - (old.get(le) || 0)]);
  const all = counts.length ? counts[counts.length - 1][1] : 0;
  if (all <= 0) return null;
  const found = counts.find(([, n]) => n >= q * all);
  return found ? found[0] : null;
}
