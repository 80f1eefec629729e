import { useCallback, useState } from "preact/hooks";
import { call, type Schemas } from "../common/api";
import { money, when } from "../common/format";
import { go, href } from "../common/router";
import { Failure, Loading, Notice, Select, formValues, useAction, useInterval, useLoad } from "../common/ui";
import { AddressFields, checkoutRefusal, OpenAttempt, placeAndFollow, testCards, useCheckoutAttempt } from "./checkout";
import { useSession } from "./session";

type Ticket = Schemas["FlashSaleTicket"];

function Countdown(props: { until: string }) {
  const [now, setNow] = useState(Date.now());
  useInterval(useCallback(() => setNow(Date.now()), []), 1000);
  const left = Math.max(0, Math.round((Date.parse(props.until) - now) / 1000));
  return <>{left} s</>;
}

export function FlashSalePage(props: { id: string }) {
  const session = useSession();
  const sale = useLoad(() => call<Schemas["FlashSale"]>("GET", `/v1/flash-sales/${encodeURIComponent(props.id)}`), [props.id]);
  const [ticket, setTicket] = useState<string | null>(null);
  const [status, setStatus] = useState<Ticket | null>(null);
  const [card, setCard] = useState("tok_visa");
  const [quantity, setQuantity] = useState("1");
  const [buying, setBuying] = useState(false);
  const [refusal, setRefusal] = useState<unknown>(null);
  const attempt = useCheckoutAttempt(`flash.${props.id}`);
  const refresh = useCallback(() => {
    sale.reload();
    if (!ticket || !session) return;
    call<Ticket>("GET", `/v1/flash-sales/${encodeURIComponent(props.id)}/tickets/${encodeURIComponent(ticket)}`, { session }).then(
      setStatus,
      () => undefined,
    );
  }, [ticket, session?.token, props.id]);
  const live = sale.data && (sale.data.status === "open" || sale.data.status === "scheduled");
  useInterval(refresh, live && status?.status !== "expired" ? 1000 : null);
  const join = useAction(async () => {
    if (!session) return go("#/account");
    const joined = await call<Schemas["FlashSaleTicket"]>("POST", `/v1/flash-sales/${encodeURIComponent(props.id)}/tickets`, { session });
    setTicket(joined.ticket);
    setStatus({ status: "waiting", position: joined.position, estimated_wait_s: joined.estimated_wait_s, admitted_until: null } as Ticket);
  });
  const buy = async (form: HTMLFormElement) => {
    if (!session || !ticket || !sale.data) return;
    const { name, line1, city, postal_code, country } = formValues(form);
    setBuying(true);
    setRefusal(null);
    try {
      const body = {
        payment_token: card,
        shipping_address: { name, line1, city, postal_code, country },
        items: [{ sku: sale.data.sku, quantity: Number(quantity) }],
        flash_sale: { id: props.id, ticket },
      };
      await placeAndFollow(attempt, session, body, () => undefined);
    } catch (caught) {
      setRefusal(caught);
    } finally {
      setBuying(false);
    }
  };
  if (sale.error) return <Failure error={sale.error} />;
  if (!sale.data) return <Loading what="the flash sale" />;
  const info = sale.data;
  const soldOut = info.status === "sold_out" || status?.status === "sold_out";
  return (
    <section>
      <h1>Flash sale: {info.sku}</h1>
      <p class="price big">{money(info.price_cents, info.currency)}</p>
      <dl class="facts" aria-live="polite">
        <div><dt>Status</dt><dd data-testid="sale-status">{info.status.replace("_", " ")}</dd></div>
        <div><dt>Left</dt><dd>{info.remaining} of {info.quantity}</dd></div>
        <div><dt>Waiting</dt><dd>{info.waiting}</dd></div>
        <div><dt>Starts</dt><dd>{when(info.starts_at)}</dd></div>
        <div><dt>Ends</dt><dd>{when(info.ends_at)}</dd></div>
        <div><dt>Per buyer</dt><dd>{info.per_user_limit}</dd></div>
      </dl>
      {soldOut && <Notice kind="info">Sold out. Thank you for waiting.</Notice>}
      {info.status === "ended" && <Notice kind="info">This sale has ended.</Notice>}
      {!ticket && live && !soldOut && (
        <button type="button" disabled={join.busy} onClick={() => void join.run()}>
          Join the waiting room
        </button>
      )}
      <Failure error={join.error} />
      {status?.status === "waiting" && (
        <Notice kind="info">
          You are in the queue at position <strong data-testid="position">{status.position}</strong>; about {status.estimated_wait_s} s to wait.
          Keep this page open.
        </Notice>
      )}
      {status?.status === "expired" && <Notice kind="error">Your turn expired. Join again if units are left.</Notice>}
      {status?.status === "admitted" && !soldOut && (
        <form
          class="checkout"
          onSubmit={(event) => {
            event.preventDefault();
            void buy(event.currentTarget);
          }}
        >
          <Notice kind="ok">
            It is your turn! Buy within {status.admitted_until ? <Countdown until={status.admitted_until} /> : "a few minutes"}.
          </Notice>
          <fieldset disabled={attempt.open} class="plain">
          <Select
            label="Quantity"
            name="quantity"
            value={quantity}
            options={Array.from({ length: Math.max(1, Math.min(info.per_user_limit, 10)) }, (_, index) => [String(index + 1), String(index + 1)])}
            onChange={setQuantity}
          />
          </fieldset>
          <AddressFields locked={attempt.open} />
          <fieldset disabled={attempt.open} class="plain">
            <Select label="Card" name="card" value={card} options={testCards} onChange={setCard} />
          </fieldset>
          <button type="submit" disabled={buying}>
            {attempt.placedOrder ? "Follow my order" : attempt.open ? "Retry the purchase" : "Buy now"}
          </button>
        </form>
      )}
      <OpenAttempt attempt={attempt} />
      {refusal !== null && !attempt.placedOrder && <Notice kind="error">{checkoutRefusal(refusal)}</Notice>}
    </section>
  );
}
