import { useState } from "preact/hooks";
import { call, idempotencyKey, type Schemas } from "../common/api";
import { money, orderName, statusText, when } from "../common/format";
import { go, href, type Route } from "../common/router";
import { Field, Failure, Loading, Notice, formValues, useAction, useLoad } from "../common/ui";
import { useSession } from "./session";

function cents(text: string): number {
  return Math.round(Number(text.replace(",", ".")) * 100);
}

function NewProduct() {
  const session = useSession();
  const create = useAction(async (form: HTMLFormElement) => {
    const values = formValues(form);
    const product = await call<Schemas["Product"]>("POST", "/v1/products", {
      session,
      body: {
        title: values["title"],
        description: values["description"],
        brand: values["brand"],
        category: values["category"],
        attributes: {},
        images: values["image"] ? [values["image"]] : [],
        variants: [
          {
            sku: values["sku"],
            price_cents: cents(values["price"] ?? "0"),
            currency: values["currency"] || "USD",
            attributes: values["variant"] ? { variant: values["variant"] } : {},
            stock: Number(values["stock"] ?? 0),
          },
        ],
      },
    });
    go(href(["seller", "product", product.id], { created: 1 }));
  });
  return (
    <section>
      <h2>List a new product</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void create.run(event.currentTarget);
        }}
      >
        <Field label="Title" name="title" required maxLength={200} />
        <Field label="Description" name="description" required />
        <Field label="Brand" name="brand" required />
        <Field label="Category" name="category" required />
        <Field label="Image address (https)" name="image" type="url" />
        <fieldset>
          <legend>First variant</legend>
          <Field label="SKU (letters, digits, dashes)" name="sku" required pattern="[A-Za-z0-9_.\-]+" />
          <Field label="Variant (size, colour…)" name="variant" />
          <Field label="Price" name="price" required inputMode="decimal" pattern="[0-9]+([.,][0-9]{1,2})?" />
          <Field label="Currency" name="currency" value="USD" required pattern="[A-Z]{3}" />
          <Field label="Stock" name="stock" type="number" min={0} value="10" required />
        </fieldset>
        <button type="submit" disabled={create.busy}>
          List product
        </button>
      </form>
      <Failure error={create.error} />
    </section>
  );
}

function StockForm(props: { sku: string }) {
  const session = useSession();
  const level = useLoad(() => call<Schemas["Sku"]>("GET", `/v1/skus/${encodeURIComponent(props.sku)}`), [props.sku]);
  const [key, setKey] = useState(idempotencyKey);
  const change = useAction(async (form: HTMLFormElement) => {
    const delta = Number(formValues(form)["delta"]);
    await call("POST", `/v1/skus/${encodeURIComponent(props.sku)}/stock`, {
      session,
      headers: { "Idempotency-Key": key },
      body: { delta },
    });
    setKey(idempotencyKey());
    form.reset();
    level.reload();
  });
  return (
    <form
      class="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        void change.run(event.currentTarget);
      }}
    >
      <span>
        {props.sku}: {level.data ? `${level.data.available} available` : "…"}
      </span>
      <Field label={`Receive (+) or remove (−) units of ${props.sku}`} name="delta" type="number" required />
      <button type="submit" disabled={change.busy}>
        Change stock
      </button>
      <Failure error={change.error} />
    </form>
  );
}

function EditProduct(props: { id: string; created: boolean }) {
  const session = useSession();
  const product = useLoad(() => call<Schemas["Product"]>("GET", `/v1/products/${encodeURIComponent(props.id)}`), [props.id]);
  const [saved, setSaved] = useState(false);
  const save = useAction(async (form: HTMLFormElement) => {
    const values = formValues(form);
    const current = product.data!;
    await call("PATCH", `/v1/products/${encodeURIComponent(props.id)}`, {
      session,
      body: {
        title: values["title"],
        description: values["description"],
        variants: current.variants.map((variant) => ({
          sku: variant.sku,
          price_cents: cents(values[`price-${variant.sku}`] ?? "0"),
          currency: variant.currency,
        })),
      },
    });
    setSaved(true);
    product.reload();
  });
  const delist = useAction(async () => {
    await call("DELETE", `/v1/products/${encodeURIComponent(props.id)}`, { session });
    product.reload();
  });
  if (product.error) return <Failure error={product.error} />;
  if (!product.data) return <Loading what="the product" />;
  const page = product.data;
  return (
    <section>
      <h2>{page.title}</h2>
      {props.created && <Notice kind="ok">Listed. It shows in search within a second.</Notice>}
      <p>
        <a href={href(["product", page.id])}>See its page</a> · {page.listed ? "listed" : "delisted"}
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void save.run(event.currentTarget);
        }}
      >
        <Field label="Title" name="title" value={page.title} required />
        <Field label="Description" name="description" value={page.description} required />
        {page.variants.map((variant) => (
          <Field
            key={variant.sku}
            label={`Price of ${variant.sku} (${variant.currency})`}
            name={`price-${variant.sku}`}
            value={(variant.price_cents / 100).toFixed(2)}
            inputMode="decimal"
            required
          />
        ))}
        <button type="submit" disabled={save.busy}>
          Save changes
        </button>
      </form>
      <Failure error={save.error} />
      {saved && <Notice kind="ok">Saved.</Notice>}
      <h3>Stock</h3>
      {page.variants.map((variant) => (
        <StockForm sku={variant.sku} key={variant.sku} />
      ))}
      {page.listed && (
        <button type="button" class="danger" disabled={delist.busy} onClick={() => void delist.run()}>
          Delist
        </button>
      )}
      <Failure error={delist.error} />
    </section>
  );
}

function MyProducts() {
  const session = useSession();
  const products = useLoad(() => call<Schemas["ProductPage"]>("GET", "/v1/sellers/me/products", { session, query: { limit: 100 } }), [session?.token]);
  return (
    <section>
      <h2>My products</h2>
      <a class="button" href="#/seller/new">
        List a new product
      </a>
      <Failure error={products.error} />
      {products.data && products.data.items.length === 0 && <p>You have no products yet.</p>}
      <ul class="orders">
        {products.data?.items.map((product) => (
          <li key={product.id}>
            <a href={href(["seller", "product", product.id])}>{product.title}</a> · {money(product.price_cents, product.currency)} ·{" "}
            {product.listed ? (product.in_stock ? "in stock" : "out of stock") : "delisted"}
          </li>
        ))}
      </ul>
    </section>
  );
}

function MyOrders() {
  const session = useSession();
  const orders = useLoad(() => call<Schemas["SellerOrderPage"]>("GET", "/v1/sellers/me/orders", { session, query: { limit: 50 } }), [session?.token]);
  // The answer is the order as it now is; the list (a read model) may
  // show the step a moment later.
  const [moved, setMoved] = useState<Record<string, string>>({});
  const step = useAction(async (id: string, action: "ship" | "deliver") => {
    const order = await call<Schemas["Order"]>("POST", `/v1/orders/${encodeURIComponent(id)}/${action}`, { session });
    setMoved((known) => ({ ...known, [id]: order.status }));
    orders.reload();
  });
  return (
    <section>
      <h2>Order lines to fulfil</h2>
      <Failure error={orders.error} />
      <Failure error={step.error} />
      {orders.data && orders.data.items.length === 0 && <p>No orders for your products yet.</p>}
      <ul class="orders">
        {orders.data?.items.map((listed) => {
          const order = { ...listed, status: moved[listed.id] ?? listed.status };
          return (
          <li key={order.id}>
            Order {orderName(order.id)} · {when(order.placed_at)} · {statusText(order.status)} ·{" "}
            {order.lines.map((line) => `${line.quantity} × ${line.sku}`).join(", ")}{" "}
            {["payment_confirmed", "fulfillment_processing"].includes(order.status) && (
              <button type="button" disabled={step.busy} onClick={() => void step.run(order.id, "ship")}>
                Mark shipped
              </button>
            )}
            {order.status === "shipped" && (
              <button type="button" disabled={step.busy} onClick={() => void step.run(order.id, "deliver")}>
                Mark delivered
              </button>
            )}
          </li>
          );
        })}
      </ul>
    </section>
  );
}

export function SellerPage(props: { route: Route }) {
  const session = useSession();
  if (session?.role !== "seller")
    return (
      <section>
        <h1>Seller area</h1>
        <p>
          <a href="#/account">Sign in as a seller</a> to list products.
        </p>
      </section>
    );
  const [, view, id] = props.route.parts;
  return (
    <section>
      <h1>Seller area</h1>
      <nav class="tabs" aria-label="Seller area">
        <a href="#/seller" aria-current={view === undefined ? "page" : undefined}>
          My products
        </a>
        <a href="#/seller/orders" aria-current={view === "orders" ? "page" : undefined}>
          Orders
        </a>
      </nav>
      {view === "new" && <NewProduct />}
      {view === "product" && id && <EditProduct id={id} created={props.route.query.has("created")} />}
      {view === "orders" && <MyOrders />}
      {view === undefined && <MyProducts />}
    </section>
  );
}
