import { useState } from "preact/hooks";
import { ApiError, call, idempotencyKey, type Schemas, type Session } from "../common/api";
import { money } from "../common/format";
import { go, href } from "../common/router";
import { Field, Failure, Loading, Notice, Select, formValues, useLoad } from "../common/ui";
import { useSession } from "./session";

export const testCards: [string, string][] = [
  ["tok_visa", "Visa test card (succeeds)"],
  ["tok_declined", "Declined test card"],
  ["tok_timeout", "Slow test card (answers late)"],
  ["tok_error", "Flaky test card (fails once, then succeeds)"],
];

/// Statuses after which an order no longer moves by itself.
const settled = new Set(["payment_confirmed", "fulfillment_processing", "shipped", "delivered", "cancelled", "refunded"]);

const wait = (ms: number) => new Promise((done) => setTimeout(done, ms));

/// Polls a queued order until it settles (or 2 minutes pass).
export async function pollOrder(session: Session, id: string, onStatus: (status: string) => void): Promise<Schemas["Order"]> {
  for (let round = 0; ; ++round) {
    const order = await call<Schemas["Order"]>("GET", `/v1/orders/${encodeURIComponent(id)}`, { session });
    onStatus(order.status);
    if (settled.has(order.status) || round >= 120) return order;
    await wait(1000);
  }
}

/// What a refused checkout tells the buyer.
export function checkoutRefusal(error: unknown): string {
  if (!(error instanceof ApiError)) return String(error);
  if (error.code === "payment_declined") return "Your card was declined. Nothing was charged; choose another card and try again.";
  if (error.code === "out_of_stock") {
    const skus = (error.details["skus"] as string[] | undefined) ?? [];
    return `Sorry, not enough stock left${skus.length ? ` of ${skus.join(", ")}` : ""}. Change your cart and try again.`;
  }
  if (error.code === "idempotency_conflict") return "An earlier attempt of this order is still being processed; check your orders before trying again.";
  if (error.code === "node_unavailable") return "Part of the shop is down and your order was not placed. Try again in a moment.";
  if (error.status === 429 || error.status === 503)
    return `The shop is busy. Your order was not placed yet; try again${error.retryAfter ? ` in ${error.retryAfter} s` : ""}.`;
  return error.message;
}

/// Whether a refusal ends the attempt, so the next press is a new one
/// with a new key: a final 4xx (declined, out of stock), or an order the
/// server cancelled because a member was down (its answer names the
/// order and asks for a new key). A 429, a 503, a lost answer, a member
/// that cannot be reached, or a key conflict leave the attempt open: its
/// next press resends the same key and body.
export function endsAttempt(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.code === "node_unavailable") return typeof error.details["order_id"] === "string";
  return error.status >= 400 && error.status < 500 && error.status !== 429 && error.code !== "idempotency_conflict";
}

type Placed = Schemas["CheckoutPlaced"] | Schemas["CheckoutQueued"];

/// An open attempt: its key, the body first sent with it, and the order
/// it placed once an answer named one.
interface Attempt {
  key: string;
  body: unknown;
  order_id?: string;
}

/// One checkout attempt, kept in sessionStorage under `scope` (the cart,
/// or one flash sale) so that leaving the page or reloading it keeps it.
/// Until it ends, pressing again resends its key and body as they were
/// (the page locks the card and address), so a lost answer retried can
/// neither charge twice nor become a second order; once an answer named
/// an order, pressing again only follows that order.
export function useCheckoutAttempt(scope: string) {
  const storageKey = `tillroll.checkout.${scope}`;
  const stored = (): Attempt | null => {
    try {
      return JSON.parse(sessionStorage.getItem(storageKey) ?? "null") as Attempt | null;
    } catch {
      return null;
    }
  };
  const [attempt, setAttempt] = useState<Attempt | null>(stored);
  const save = (next: Attempt | null) => {
    if (next) sessionStorage.setItem(storageKey, JSON.stringify(next));
    else sessionStorage.removeItem(storageKey);
    setAttempt(next);
  };
  const send = async (session: Session, body: unknown): Promise<Placed> => {
    const current = stored() ?? { key: idempotencyKey(), body };
    if (current.order_id) return { order_id: current.order_id, status: "queued" };
    save(current);
    try {
      const answer = await call<Placed>("POST", "/v1/checkout", {
        session,
        headers: { "Idempotency-Key": current.key },
        body: current.body,
      });
      save({ ...current, order_id: answer.order_id });
      return answer;
    } catch (caught) {
      if (endsAttempt(caught)) save(null);
      throw caught;
    }
  };
  return {
    send,
    open: attempt !== null,
    placedOrder: attempt?.order_id ?? null,
    /// Ends the attempt: its order is settled and shown, or the buyer
    /// starts over knowingly.
    end: () => save(null),
  };
}

export type CheckoutAttempt = ReturnType<typeof useCheckoutAttempt>;

/// Places the attempt and follows its order to its page. A refusal
/// throws; once an order exists, a failed check of it throws too but
/// leaves the attempt on that order, never on a new key.
export async function placeAndFollow(
  attempt: CheckoutAttempt,
  session: Session,
  body: unknown,
  onStatus: (status: string) => void,
): Promise<void> {
  const answer = await attempt.send(session, body);
  if (answer.status === "queued") {
    onStatus("queued");
    await pollOrder(session, answer.order_id, onStatus);
  }
  attempt.end();
  go(href(["orders", answer.order_id], { placed: 1 }));
}

/// What an open attempt tells the buyer, and the way out of it.
export function OpenAttempt(props: { attempt: CheckoutAttempt }) {
  const { attempt } = props;
  if (attempt.placedOrder)
    return (
      <Notice kind="info">
        Your order is placed and being processed: pressing the button follows it, or{" "}
        <a href={href(["orders", attempt.placedOrder])} onClick={attempt.end}>
          see the order
        </a>
        .
      </Notice>
    );
  if (!attempt.open) return null;
  return (
    <Notice kind="info">
      Your last attempt got no final answer. Pressing again retries that same attempt, with the same card and address, so it cannot be charged
      twice. <a href="#/orders">Your orders</a> show whether it went through; if it did not,{" "}
      <button type="button" class="link" onClick={attempt.end}>
        start a new attempt
      </button>
      .
    </Notice>
  );
}

export function AddressFields(props: { locked?: boolean }) {
  return (
    <fieldset disabled={props.locked}>
      <legend>Shipping address</legend>
      <Field label="Full name" name="name" required autocomplete="name" />
      <Field label="Street and number" name="line1" required autocomplete="address-line1" />
      <Field label="City" name="city" required autocomplete="address-level2" />
      <Field label="Postal code" name="postal_code" required autocomplete="postal-code" />
      <Field label="Country" name="country" required autocomplete="country-name" />
    </fieldset>
  );
}

export function CheckoutPage() {
  const session = useSession();
  const cart = useLoad(
    () => (session ? call<Schemas["Cart"]>("GET", "/v1/cart", { session }) : Promise.resolve(null)),
    [session?.token],
  );
  const [card, setCard] = useState("tok_visa");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [queued, setQueued] = useState<string | null>(null);
  const attempt = useCheckoutAttempt("cart");
  if (!session) {
    go("#/account");
    return null;
  }
  const place = async (form: HTMLFormElement) => {
    const { name, line1, city, postal_code, country } = formValues(form);
    setBusy(true);
    setError(null);
    try {
      await placeAndFollow(attempt, session, { payment_token: card, shipping_address: { name, line1, city, postal_code, country } }, setQueued);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  if (cart.error) return <Failure error={cart.error} />;
  if (!cart.data) return <Loading what="your cart" />;
  return (
    <section>
      <h1>Checkout</h1>
      <p>
        {cart.data.items.length} items, total <strong>{money(cart.data.subtotal_cents, cart.data.currency)}</strong>.{" "}
        <a href="#/cart">Change the cart</a>
      </p>
      <form
        class="checkout"
        onSubmit={(event) => {
          event.preventDefault();
          void place(event.currentTarget);
        }}
      >
        <AddressFields locked={attempt.open} />
        <fieldset disabled={attempt.open} class="plain">
          <Select label="Card" name="card" value={card} options={testCards} onChange={setCard} />
        </fieldset>
        <OpenAttempt attempt={attempt} />
        <button type="submit" disabled={busy || (!attempt.open && cart.data.items.length === 0)}>
          {attempt.placedOrder ? "Follow my order" : attempt.open ? "Retry the order" : "Place order"}
        </button>
      </form>
      {queued && (
        <Notice kind="info">
          Your order is in the queue ({queued.replace(/_/g, " ")}); this page follows it until it is settled.
        </Notice>
      )}
      {error !== null && !attempt.placedOrder && <Notice kind="error">{checkoutRefusal(error)}</Notice>}
    </section>
  );
}
