// The pages reach the API only through `call`, and read its answers as
// the types openapi-typescript generates from the binary's own
// /openapi.json (src/api.d.ts): a renamed or retyped field fails
// `npm run check` (and `make test`) instead of a buyer's checkout.
import type { components } from "../api";

export type Schemas = components["schemas"];
export type Role = "buyer" | "seller" | "admin";

export interface Session {
  token: string;
  role: Role;
  user_id: string;
  email: string;
}

/// A refusal as the API words it: {"error": {code, message, details}}.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

export interface CallOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  headers?: Record<string, string>;
  session?: Session | null;
}

export function queryString(query: CallOptions["query"]): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {}))
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/// One request; the answer's JSON, or an ApiError for any status >= 400
/// (and for an answer that is not JSON, which the API never sends).
export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.session) headers["Authorization"] = `Bearer ${options.session.token}`;
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path + queryString(options.query), init);
  } catch {
    throw new ApiError(0, "network", "The shop cannot be reached; check your connection and retry.");
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.status, "not_json", `Unexpected answer (${response.status}).`);
  }
  if (response.status >= 400) {
    const error = (parsed as Schemas["Error400"] | null)?.error;
    const retry = response.headers.get("Retry-After");
    throw new ApiError(
      response.status,
      error?.code ?? "error",
      error?.message ?? `Request failed (${response.status}).`,
      (error?.details as Record<string, unknown> | undefined) ?? {},
      retry ? Number(retry) : null,
    );
  }
  return parsed as T;
}

/// Sessions are kept per page (storefront, console) in localStorage, and
/// forgotten when they expire.
export function loadSession(key: string): Session | null {
  try {
    const stored = JSON.parse(localStorage.getItem(key) ?? "null") as (Session & { expires_at?: string }) | null;
    if (!stored) return null;
    if (stored.expires_at && Date.parse(stored.expires_at) < Date.now()) {
      localStorage.removeItem(key);
      return null;
    }
    return stored;
  } catch {
    return null;
  }
}

export async function signIn(key: string, email: string, password: string): Promise<Session> {
  const answer = await call<Schemas["Session"]>("POST", "/v1/sessions", { body: { email, password } });
  const session = { token: answer.token, role: answer.role as Role, user_id: answer.user_id, email, expires_at: answer.expires_at };
  localStorage.setItem(key, JSON.stringify(session));
  return session;
}

export function signOut(key: string) {
  localStorage.removeItem(key);
}

/// A fresh key per attempt: a retry of the same attempt reuses it, so the
/// server charges once.
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
