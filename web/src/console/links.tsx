import { href } from "../common/router";

export function StreamLink(props: { stream: string; seq?: number; label?: string }) {
  return <a href={href(["stream", props.stream], { seq: props.seq })}>{props.label ?? props.stream}</a>;
}

export function CorrelationLink(props: { id: string }) {
  if (!props.id) return <span class="muted">none</span>;
  return (
    <a href={href(["log"], { correlation_id: props.id })} title="Every event of this correlation">
      {props.id.length > 14 ? `${props.id.slice(0, 6)}…${props.id.slice(-6)}` : props.id}
    </a>
  );
}

/// A causation: "<stream>#<sequence>", the event a saga's step followed
/// (linked to it), or a word ("timer").
export function CausationLink(props: { id: string; stream?: string }) {
  const step = /^(.+)#(\d+)$/.exec(props.id);
  if (step) {
    const [, stream = "", seq = ""] = step;
    const label = stream === props.stream ? `#${seq}` : `${stream.length > 24 ? `${stream.slice(0, 12)}…${stream.slice(-6)}` : stream}#${seq}`;
    return <StreamLink stream={stream} seq={Number(seq)} label={label} />;
  }
  return props.id ? <span>{props.id}</span> : <span class="muted">none</span>;
}

export function Json(props: { value: unknown; label: string }) {
  return (
    <pre class="json" aria-label={props.label} tabIndex={0}>
      {JSON.stringify(props.value, null, 2)}
    </pre>
  );
}
