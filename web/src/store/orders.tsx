import { useCallback, useState } from "preact/hooks";
import { call, type Schemas } from "../common/api";
import { money, orderName, statusText, when } from "../common/format";
import { href, useRoute } from "../common/router";
import { Failure, Loading, Notice, Select, useAction, useInterval, useLoad, TableHead } from "../common/ui";
import { useSession } from "./session";

const moving = new Set(["queued", "created", "payment_pending"]);
const confirmed = new Set(["payment_confirmed", "fulfillment_processing", "shipped", "delivered"]);

export function OrdersPage() {
  const session = useSession();
  const [status, setStatus] = useState("");
  const [cursor, setCursor] = useState<string | null>(null);
  const orders = useLoad(
    () => call<Schemas["OrderPage"]>("GET", "/v1/orders", { session, query: { status, cursor, limit: 20 } }),
    [session?.token, status, cursor],
  );
  if (!session) return <p><a href="#/account">Sign in</a> to see your orders.</p>;
  return (
    <section>
      <h1>Your orders</h1>
      <Select
        label="Status"
        name="status"
        value={status}
        options={[["", "All"], ["payment_confirmed", "Paid"], ["shipped", "Shipped"], ["delivered", "Delivered"], ["cancelled", "Cancelled"], ["refunded", "Refunded"]]}
        onChange={(value) => (setStatus(value), setCursor(null))}
      />
      <Failure error={orders.error} />
      {orders.loading && <Loading what="your orders" />}
      {orders.data && orders.data.items.length === 0 && <p>No orders yet.</p>}
      <ul class="orders">
        {orders.data?.items.map((order) => (
          <li key={order.id}>
            <a href={href(["orders", order.id])}>Order {orderName(order.id)}</a> · {when(order.placed_at)} ·{" "}
            <span class={`status ${order.status}`}>{statusText(order.status)}</span>
            {order.total_cents !== undefined && <> · {money(order.total_cents, order.currency)}</>}
          </li>
        ))}
      </ul>
      {orders.data?.next_cursor && (
        <button type="button" onClick={() => setCursor(orders.data?.next_cursor ?? null)}>
          Older orders
        </button>
      )}
    </section>
  );
}

export function OrderPage(props: { id: string }) {
  const session = useSession();
  const route = useRoute();
  const order = useLoad(() => call<Schemas["Order"]>("GET", `/v1/orders/${encodeURIComponent(props.id)}`, { session }), [props.id, session?.token]);
  const refresh = useCallback(() => order.reload(), [order.reload]);
  useInterval(refresh, order.data && moving.has(order.data.status) ? 1500 : null);
  const cancel = useAction(async () => {
    await call("POST", `/v1/orders/${encodeURIComponent(props.id)}/cancel`, { session });
    order.reload();
  });
  if (order.error) return <Failure error={order.error} />;
  if (!order.data) return <Loading what="the order" />;
  const placed = order.data;
  return (
    <section>
      <h1>Order {orderName(placed.id)}</h1>
      {route.query.get("placed") && confirmed.has(placed.status) && <Notice kind="ok">Thank you! Your order is confirmed.</Notice>}
      <p>
        Status: <strong class={`status ${placed.status}`} data-testid="order-status">{statusText(placed.status)}</strong>
        {placed.total_cents !== undefined && <> · Total {money(placed.total_cents, placed.currency)}</>}
        {placed.refunded_cents ? <> · Refunded {money(placed.refunded_cents, placed.currency)}</> : null}
      </p>
      {placed.cancel_reason && <p>Reason: {placed.cancel_reason}</p>}
      <table class="lines">
        <caption class="visually-hidden">Order lines</caption>
        <TableHead columns={["Item", "Quantity", "Price", "Status"]} />
        <tbody>
          {placed.lines.map((line) => (
            <tr key={line.sku}>
              <td>
                <a href={href(["product", line.product_id])}>{line.sku}</a>
              </td>
              <td>{line.quantity}</td>
              <td>{money(line.unit_price_cents, placed.currency)}</td>
              <td>{statusText(line.status)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>History</h2>
      <ol class="history">
        {placed.history?.map((step, index) => (
          <li key={index}>
            {statusText(step.status)} <span class="muted">{when(step.at)}</span>
          </li>
        ))}
      </ol>
      {["payment_confirmed", "fulfillment_processing", "payment_pending", "created"].includes(placed.status) && (
        <button type="button" disabled={cancel.busy} onClick={() => void cancel.run()}>
          Cancel the order
        </button>
      )}
      <Failure error={cancel.error} />
    </section>
  );
}
