// Live charts from /metrics: the page scrapes it every 2 s and charts
// rates and quantiles over each interval with uPlot.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { Failure } from "../common/ui";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/// Prometheus text format 0.0.4: one sample a line, `#` lines skipped.
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[4]) });
  }
  return samples;
}

/// Which series of a metric a chart takes, by their labels.
type Where = (labels: Record<string, string>) => boolean;

const sum = (samples: Sample[], name: string, where: Where = () => true) =>
  samples.filter((sample) => sample.name === name && where(sample.labels)).reduce((total, sample) => total + sample.value, 0);

/// The q-quantile of a histogram's observations (of the series `where`
/// keeps) between two scrapes.
function quantile(before: Sample[], after: Sample[], name: string, q: number, where: Where = () => true): number | null {
  const buckets = (samples: Sample[]) => {
    const counts = new Map<number, number>();
    for (const sample of samples)
      if (sample.name === `${name}_bucket` && where(sample.labels)) {
        const le = sample.labels["le"] === "+Inf" ? Infinity : Number(sample.labels["le"]);
        counts.set(le, (counts.get(le) ?? 0) + sample.value);
      }
    return counts;
  };
  const was = buckets(before);
  const now = [...buckets(after).entries()].sort((a, b) => a[0] - b[0]);
  const total = (now[now.length - 1]?.[1] ?? 0) - (was.get(Infinity) ?? 0);
  if (total <= 0) return null;
  for (const [le, count] of now) if (count - (was.get(le) ?? 0) >= q * total) return Number.isFinite(le) ? le : null;
  return null;
}

interface Series {
  label: string;
  values: (number | null)[];
}

function Chart(props: { title: string; unit: string; times: number[]; series: Series[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = props.series.map((series) => series.label).join("|");
  useEffect(() => {
    if (!box.current) return;
    const width = Math.min(box.current.clientWidth || 600, 900);
    plot.current = new uPlot(
      {
        width,
        height: 200,
        scales: { x: { time: true } },
        axes: [{}, { label: props.unit, size: 60 }],
        series: [{}, ...props.series.map((series, index) => ({ label: series.label, stroke: palette[index % palette.length]!, width: 2 }))],
      },
      [props.times, ...props.series.map((series) => series.values)] as uPlot.AlignedData,
      box.current,
    );
    return () => plot.current?.destroy();
  }, [labels]);
  useEffect(() => {
    plot.current?.setData([props.times, ...props.series.map((series) => series.values)] as uPlot.AlignedData);
  }, [props.times, props.series]);
  const latest = props.series.map((series) => `${series.label} ${series.values[series.values.length - 1] ?? "–"}`).join(", ");
  return (
    <figure class="chart">
      <figcaption>
        {props.title} <span class="muted">now: {latest}</span>
      </figcaption>
      <div ref={box} role="img" aria-label={`${props.title} over time; ${latest}`} />
    </figure>
  );
}

const palette = ["#0b5394", "#a4161a", "#1e6b2f", "#7a4b00", "#5b2a86", "#00646e"];
/// Points each chart keeps: 5 minutes at one scrape every 2 s.
const pointsMax = 150;

interface Point {
  at: number;
  samples: Sample[];
}

export function MetricsPage() {
  const [points, setPoints] = useState<Point[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stopped = false;
    const scrape = async () => {
      try {
        const text = await (await fetch("/metrics")).text();
        if (!stopped) setPoints((kept) => [...kept, { at: Date.now() / 1000, samples: parseMetrics(text) }].slice(-pointsMax));
        setError(null);
      } catch (caught) {
        setError(caught);
      }
    };
    void scrape();
    const timer = setInterval(scrape, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  const pairs = points.slice(1).map((point, index) => [points[index]!, point] as const);
  const times = pairs.map(([, after]) => after.at);
  // Per interval: a counter's rate, a histogram's p99 in ms, a gauge.
  const rate = (name: string, where?: Where) =>
    pairs.map(([before, after]) => Math.round((sum(after.samples, name, where) - sum(before.samples, name, where)) / (after.at - before.at)));
  const p99ms = (name: string, where?: Where) =>
    pairs.map(([before, after]) => {
      const q = quantile(before.samples, after.samples, name, 0.99, where);
      return q === null ? null : q * 1000;
    });
  const gauge = (name: string, where?: Where) => pairs.map(([, after]) => sum(after.samples, name, where));
  const latest = points[points.length - 1]?.samples ?? [];
  const routes = [...new Set(latest.filter((sample) => sample.name === "tillroll_http_requests_total").map((sample) => `${sample.labels["method"]} ${sample.labels["route"]}`))]
    .map((route) => ({ route, count: sum(latest, "tillroll_http_requests_total", (labels) => `${labels["method"]} ${labels["route"]}` === route) }))
    .sort((a, b) => b.count - a.count)
    .slice(0, 5)
    .map((entry) => entry.route);
  const isRoute = (route: string) => (labels: Record<string, string>) => `${labels["method"]} ${labels["route"]}` === route;
  const projections = [...new Set(latest.filter((sample) => sample.name === "tillroll_projection_lag_events").map((sample) => Object.values(sample.labels).join(" ")))];
  return (
    <section>
      <h1>Live metrics</h1>
      <p class="muted">From /metrics every 2 s; rates and quantiles over each interval.</p>
      <Failure error={error} />
      <div class="charts">
        <Chart
          title="fsync p99"
          unit="ms"
          times={times}
          series={[{ label: "p99", values: p99ms("tillroll_journal_fsync_seconds") }]}
        />
        <Chart title="Events appended per second" unit="events/s" times={times} series={[{ label: "events", values: rate("tillroll_journal_events_total") }]} />
        <Chart title="Requests per second by route" unit="req/s" times={times} series={routes.map((route) => ({ label: route, values: rate("tillroll_http_requests_total", isRoute(route)) }))} />
        <Chart
          title="Request latency p99 by route"
          unit="ms"
          times={times}
          series={routes.map((route) => ({ label: route, values: p99ms("tillroll_http_request_seconds", isRoute(route)) }))}
        />
        <Chart title="Live actors" unit="actors" times={times} series={[{ label: "live", values: gauge("tillroll_live_entities") }]} />
        <Chart
          title="Projection lag"
          unit="events"
          times={times}
          series={projections.map((name) => ({
            label: name,
            values: gauge("tillroll_projection_lag_events", (labels) => Object.values(labels).join(" ") === name),
          }))}
        />
      </div>
    </section>
  );
}
