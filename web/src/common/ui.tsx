import type { ComponentChildren, JSX } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError } from "./api";

/// What a failed call tells a person: the API's message, and when to retry.
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const retry = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
    return `${error.message}${retry}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/// Runs `load` when `deps` change (and on reload); the latest answer wins.
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState({ data: null, error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  return { ...state, reload };
}

/// Calls `tick` every `ms` while the page shows it.
export function useInterval(tick: () => void, ms: number | null) {
  useEffect(() => {
    if (ms === null) return;
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  }, [tick, ms]);
}

export function Notice(props: { kind: "error" | "ok" | "info"; children: ComponentChildren }) {
  return (
    <p class={`notice ${props.kind}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </p>
  );
}

export function Failure(props: { error: unknown }) {
  return props.error ? <Notice kind="error">{errorText(props.error)}</Notice> : null;
}

export function Loading(props: { what: string }) {
  return (
    <p class="muted" aria-live="polite">
      Loading {props.what}…
    </p>
  );
}

type InputProps = JSX.InputHTMLAttributes<HTMLInputElement> & { label: string; name: string };

export function Field({ label, name, ...input }: InputProps) {
  const id = `field-${name}`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} name={name} {...input} />
    </div>
  );
}

export function Select(props: {
  label: string;
  name: string;
  value: string;
  options: [string, string][];
  onChange: (value: string) => void;
}) {
  const id = `field-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
        {props.options.map(([value, text]) => (
          <option value={value} key={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

/// A form whose submit runs `action`, showing its failure and disabling
/// the button while it runs.
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      await action(...args);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  new FormData(form).forEach((value, name) => {
    values[name] = String(value);
  });
  return values;
}

/// A table's column headings.
export function TableHead(props: { columns: ComponentChildren[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column, index) => (
          <th scope="col" key={index}>
            {column}
          </th>
        ))}
      </tr>
    </thead>
  );
}
