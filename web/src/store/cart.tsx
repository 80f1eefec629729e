import { call, type Schemas } from "../common/api";
import { money } from "../common/format";
import { href } from "../common/router";
import { Failure, Loading, useAction, useLoad, TableHead } from "../common/ui";
import { useSession } from "./session";

export function CartPage() {
  const session = useSession();
  const cart = useLoad(
    () => (session ? call<Schemas["Cart"]>("GET", "/v1/cart", { session }) : Promise.resolve(null)),
    [session?.token],
  );
  const change = useAction(async (sku: string, quantity: number) => {
    await call("PUT", `/v1/cart/items/${encodeURIComponent(sku)}`, { session, body: { quantity } });
    cart.reload();
  });
  if (!session)
    return (
      <section>
        <h1>Your cart</h1>
        <p>
          <a href="#/account">Sign in</a> to fill a cart.
        </p>
      </section>
    );
  if (cart.error) return <Failure error={cart.error} />;
  if (!cart.data) return <Loading what="your cart" />;
  const { items, subtotal_cents, currency } = cart.data;
  return (
    <section>
      <h1>Your cart</h1>
      {items.length === 0 ? (
        <p>
          Your cart is empty. <a href="#/">Find something</a>.
        </p>
      ) : (
        <>
          <table class="lines">
            <caption class="visually-hidden">Items in your cart</caption>
            <TableHead columns={["Item", "Price", "Quantity", "Total", <><span class="visually-hidden">Remove</span></>]} />
            <tbody>
              {items.map((line) => (
                <tr key={line.sku}>
                  <td>
                    <a href={href(["product", line.product_id])}>{line.title}</a> <span class="muted">{line.sku}</span>
                  </td>
                  <td>{money(line.unit_price_cents, currency)}</td>
                  <td>
                    <label class="visually-hidden" for={`quantity-${line.sku}`}>
                      Quantity of {line.title}
                    </label>
                    <input
                      id={`quantity-${line.sku}`}
                      class="quantity"
                      type="number"
                      min={0}
                      max={100}
                      value={line.quantity}
                      onChange={(event) => void change.run(line.sku, Math.max(0, Number(event.currentTarget.value) || 0))}
                    />
                  </td>
                  <td>{money(line.line_total_cents, currency)}</td>
                  <td>
                    <button type="button" class="link" onClick={() => void change.run(line.sku, 0)}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Failure error={change.error} />
          <p class="total">
            Subtotal: <strong>{money(subtotal_cents, currency)}</strong>
          </p>
          <a class="button" href="#/checkout">
            Check out
          </a>
        </>
      )}
    </section>
  );
}
