import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { call, type Schemas } from "../common/api";
import { when } from "../common/format";
import { go, href } from "../common/router";
import { Failure, Select, useInterval, TableHead } from "../common/ui";
import { CorrelationLink, StreamLink } from "./links";
import { useAdmin } from "./session";

type Line = Schemas["RecordedEvent"];
const kinds = ["", "sku", "order", "payment", "cart", "product", "user", "flash_sale"];
/// Most lines the tail keeps on screen.
const shownMax = 500;

function eventType(line: Line): string {
  const event = line.event as { type?: string } | undefined;
  return event?.type ?? `type ${line.type_id}`;
}

/// The global log: the first page from the start, then (live) each new
/// event as the tail polls after the last position seen.
export function LogPage(props: { query: URLSearchParams }) {
  const session = useAdmin();
  const kind = props.query.get("kind") ?? "";
  const correlation = props.query.get("correlation_id") ?? "";
  const [lines, setLines] = useState<Line[]>([]);
  const [head, setHead] = useState(0);
  const [live, setLive] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const cursor = useRef<string | null>(null);
  const more = useRef(true);
  const fetchPage = useCallback(async () => {
    try {
      const page = await call<Schemas["GlobalLogPage"]>("GET", "/v1/admin/events", {
        session,
        query: { kind, correlation_id: correlation, cursor: cursor.current, limit: 200 },
      });
      setHead(page.head);
      const last = page.items[page.items.length - 1];
      cursor.current = page.next_cursor ?? (last ? String(last.position) : cursor.current);
      more.current = page.next_cursor !== null;
      if (page.items.length) setLines((shown) => [...shown, ...page.items].slice(-shownMax));
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }, [session?.token, kind, correlation]);
  useEffect(() => {
    cursor.current = null;
    setLines([]);
    void fetchPage();
  }, [fetchPage]);
  useInterval(fetchPage, live ? 1000 : null);
  const filter = (changes: Record<string, string>) => go(href(["log"], { kind, correlation_id: correlation, ...changes }));
  return (
    <section>
      <h1>Global log</h1>
      <div class="inline-form">
        <Select label="Kind" name="kind" value={kind} options={kinds.map((each) => [each, each || "every kind"])} onChange={(value) => filter({ kind: value })} />
        {correlation && (
          <p>
            Correlation <code>{correlation}</code> <button type="button" class="link" onClick={() => filter({ correlation_id: "" })}>clear</button>
          </p>
        )}
        <label class="check">
          <input type="checkbox" checked={live} onChange={(event) => setLive(event.currentTarget.checked)} /> Live tail
        </label>
        <span class="muted" aria-live="polite">
          head {head} · showing {lines.length}
        </span>
      </div>
      <Failure error={error} />
      <table class="lines log">
        <caption class="visually-hidden">Events in global order</caption>
        <TableHead columns={["Position", "Recorded", "Stream", "Event", "Correlation"]} />
        <tbody>
          {[...lines].reverse().map((line) => (
            <tr key={line.position}>
              <td>{line.position}</td>
              <td>{when(line.recorded_at)}</td>
              <td>
                <StreamLink stream={line.stream} seq={line.sequence} /> <span class="muted">#{line.sequence}</span>
              </td>
              <td>{eventType(line)}</td>
              <td>
                <CorrelationLink id={line.correlation_id} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!live && more.current && (
        <button type="button" onClick={() => void fetchPage()}>
          Next page
        </button>
      )}
    </section>
  );
}
