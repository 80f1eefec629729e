import { useState } from "preact/hooks";
import { call, type Schemas } from "../common/api";
import { when } from "../common/format";
import { go, href } from "../common/router";
import { Failure, Loading, useLoad, TableHead } from "../common/ui";
import { CausationLink, CorrelationLink, Json } from "./links";
import { useAdmin } from "./session";

type Line = Schemas["RecordedEvent"];

function eventType(line: Line): string {
  return (line.event as { type?: string } | undefined)?.type ?? `type ${line.type_id}`;
}

function Diff(props: { stream: string; from: number; to: number }) {
  const session = useAdmin();
  const diff = useLoad(
    () =>
      call<Schemas["StreamDiff"]>("GET", `/v1/admin/streams/${encodeURIComponent(props.stream)}/diff`, {
        session,
        query: { from_seq: props.from, to_seq: props.to },
      }),
    [props.stream, props.from, props.to],
  );
  if (diff.error) return <Failure error={diff.error} />;
  if (!diff.data) return <Loading what="the diff" />;
  if (diff.data.changes.length === 0) return <p>No change between #{props.from} and #{props.to}.</p>;
  return (
    <table class="lines diff" aria-label={`Changes from sequence ${props.from} to ${props.to}`}>
      <TableHead columns={["Change", "Path", <>At #{diff.data.from.sequence}</>, <>At #{diff.data.to.sequence}</>]} />
      <tbody>
        {diff.data.changes.map((change) => (
          <tr key={change.path} class={change.op}>
            <td>{change.op}</td>
            <td>
              <code>{change.path || "/"}</code>
            </td>
            <td>
              <code>{change.before === undefined ? "" : JSON.stringify(change.before)}</code>
            </td>
            <td>
              <code>{change.after === undefined ? "" : JSON.stringify(change.after)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/// Time travel: the slider picks a sequence (or a time) and the state is
/// rebuilt there by the server from the events up to it.
function TimeTravel(props: { stream: string; lines: Line[]; start: number }) {
  const session = useAdmin();
  const last = props.lines[props.lines.length - 1]!;
  const first = props.lines[0]!;
  const [mode, setMode] = useState<"sequence" | "time">("sequence");
  const [sequence, setSequence] = useState(Math.min(Math.max(props.start || last.sequence, first.sequence), last.sequence));
  const firstMs = Date.parse(first.recorded_at);
  const lastMs = Date.parse(last.recorded_at);
  const [time, setTime] = useState(lastMs);
  const [compare, setCompare] = useState(last.sequence);
  const state = useLoad(
    () =>
      call<Schemas["StreamState"]>("GET", `/v1/admin/streams/${encodeURIComponent(props.stream)}/state`, {
        session,
        query: mode === "sequence" ? { at_seq: sequence } : { at_time: new Date(time).toISOString() },
      }),
    [props.stream, mode, sequence, time],
  );
  const shown = state.data?.sequence ?? sequence;
  return (
    <section aria-labelledby="travel-heading" class="travel">
      <h2 id="travel-heading">Time travel</h2>
      <fieldset class="inline-form">
        <legend>Move by</legend>
        <label class="check">
          <input type="radio" name="mode" checked={mode === "sequence"} onChange={() => setMode("sequence")} /> sequence
        </label>
        <label class="check">
          <input type="radio" name="mode" checked={mode === "time"} onChange={() => setMode("time")} /> time
        </label>
      </fieldset>
      {mode === "sequence" ? (
        <div class="field wide">
          <label for="travel-seq">
            State after event #{sequence} of {last.sequence}
          </label>
          <input
            id="travel-seq"
            type="range"
            min={first.sequence}
            max={last.sequence}
            step={1}
            value={sequence}
            onInput={(event) => setSequence(Number(event.currentTarget.value))}
          />
        </div>
      ) : (
        <div class="field wide">
          <label for="travel-time">State at {new Date(time).toLocaleString()}</label>
          <input
            id="travel-time"
            type="range"
            min={firstMs}
            max={Math.max(lastMs, firstMs + 1)}
            step={1}
            value={time}
            onInput={(event) => setTime(Number(event.currentTarget.value))}
          />
        </div>
      )}
      <Failure error={state.error} />
      {state.data && (
        <>
          <p data-testid="travel-at">
            After #{state.data.sequence}, recorded {when(state.data.recorded_at)}
          </p>
          <Json value={state.data.state} label="State at the chosen point" />
        </>
      )}
      <h3>Diff</h3>
      <div class="field">
        <label for="compare-seq">Compare #{shown} with</label>
        <select id="compare-seq" value={compare} onChange={(event) => setCompare(Number(event.currentTarget.value))}>
          {props.lines.map((line) => (
            <option value={line.sequence} key={line.sequence}>
              #{line.sequence} {eventType(line)}
            </option>
          ))}
        </select>
      </div>
      <Diff stream={props.stream} from={shown} to={compare} />
    </section>
  );
}

export function StreamPage(props: { stream: string; query: URLSearchParams }) {
  const session = useAdmin();
  const [name, setName] = useState(props.stream);
  const [open, setOpen] = useState<number | null>(null);
  const events = useLoad(
    () =>
      props.stream
        ? call<Schemas["StreamEvents"]>("GET", `/v1/admin/streams/${encodeURIComponent(props.stream)}/events`, {
            session,
            query: { with_state: true, limit: 1000 },
          })
        : Promise.resolve(null),
    [props.stream],
  );
  const lines = events.data?.items ?? [];
  return (
    <section>
      <h1>Stream {props.stream}</h1>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          go(href(["stream", name.trim()]));
        }}
      >
        <div class="field wide">
          <label for="stream-name">Stream (kind-id: order-…, sku-…, cart-…)</label>
          <input id="stream-name" value={name} onInput={(event) => setName(event.currentTarget.value)} required />
        </div>
        <button type="submit">Open</button>
      </form>
      <Failure error={events.error} />
      {events.loading && props.stream && <Loading what="the stream" />}
      {lines.length > 0 && (
        <>
          <TimeTravel key={props.stream} stream={props.stream} lines={lines} start={Number(props.query.get("seq") ?? 0)} />
          <h2>Events</h2>
          <table class="lines">
            <caption class="visually-hidden">The stream's events</caption>
            <TableHead columns={["#", "Event", "Recorded", "Correlation", "Caused by"]} />
            <tbody>
              {lines.map((line) => (
                <>
                  <tr key={line.sequence} id={`event-${line.sequence}`}>
                    <td>{line.sequence}</td>
                    <td>
                      <button type="button" class="link" aria-expanded={open === line.sequence} onClick={() => setOpen(open === line.sequence ? null : line.sequence)}>
                        {eventType(line)}
                      </button>
                    </td>
                    <td>{when(line.recorded_at)}</td>
                    <td>
                      <CorrelationLink id={line.correlation_id} />
                    </td>
                    <td>
                      <CausationLink id={line.causation_id} stream={props.stream} />
                    </td>
                  </tr>
                  {open === line.sequence && (
                    <tr key={`${line.sequence}-detail`}>
                      <td colSpan={5} class="detail">
                        <div class="two">
                          <div>
                            <h3>Event</h3>
                            <Json value={line.event} label={`Event ${line.sequence}`} />
                          </div>
                          <div>
                            <h3>State after it</h3>
                            <Json value={line.state} label={`State after event ${line.sequence}`} />
                          </div>
                        </div>
                      </td>
                    </tr>
                  )}
                </>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
