import { useState } from "preact/hooks";
import { call, type Schemas } from "../common/api";
import { money, when } from "../common/format";
import { go, href } from "../common/router";
import { errorText, Failure, Loading, Notice, useAction, useLoad } from "../common/ui";
import { ProductCards } from "./cards";
import { useSession } from "./session";

function variantName(variant: Schemas["Product"]["variants"][number]): string {
  const attributes = Object.entries(variant.attributes)
    .map(([name, value]) => `${name}: ${value}`)
    .join(", ");
  return attributes || variant.sku;
}

/// Hosts under .example (RFC 2606, the demo catalog's) never resolve:
/// a placeholder stands in rather than a broken image.
function shownImage(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return !new URL(url).hostname.endsWith(".example");
  } catch {
    return false;
  }
}

function Stock(props: { sku: string }) {
  const level = useLoad(() => call<Schemas["Sku"]>("GET", `/v1/skus/${encodeURIComponent(props.sku)}`), [props.sku]);
  if (!level.data) return null;
  const available = level.data.available;
  return (
    <p class={available > 0 ? "stock ok" : "stock none"} aria-live="polite">
      {available > 0 ? `${available} available` : "Out of stock"}
    </p>
  );
}

function Reviews(props: { product: Schemas["Product"] }) {
  const session = useSession();
  const reviews = useLoad(
    () => call<Schemas["ReviewPage"]>("GET", `/v1/products/${encodeURIComponent(props.product.id)}/reviews`, { query: { limit: 10 } }),
    [props.product.id],
  );
  const [rating, setRating] = useState("5");
  const [text, setText] = useState("");
  const [done, setDone] = useState(false);
  const submit = useAction(async () => {
    await call("POST", `/v1/products/${encodeURIComponent(props.product.id)}/reviews`, {
      session,
      body: { rating: Number(rating), text },
    });
    setDone(true);
    setText("");
    reviews.reload();
  });
  return (
    <section aria-labelledby="reviews-heading">
      <h2 id="reviews-heading">
        Reviews {props.product.review_count > 0 && `(★ ${props.product.rating.toFixed(1)}, ${props.product.review_count})`}
      </h2>
      <Failure error={reviews.error} />
      {reviews.data && reviews.data.items.length === 0 && <p class="muted">No reviews yet.</p>}
      <ul class="reviews">
        {reviews.data?.items.map((review) => (
          <li key={review.sequence}>
            <span aria-label={`${review.rating} of 5`}>{"★".repeat(review.rating)}</span> {review.text}{" "}
            <span class="muted">{when(review.at)}</span>
          </li>
        ))}
      </ul>
      {session?.role === "buyer" && (
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            void submit.run();
          }}
        >
          <div class="field">
            <label for="review-rating">Your rating</label>
            <select id="review-rating" value={rating} onChange={(event) => setRating(event.currentTarget.value)}>
              {["5", "4", "3", "2", "1"].map((value) => (
                <option value={value} key={value}>
                  {value} of 5
                </option>
              ))}
            </select>
          </div>
          <div class="field wide">
            <label for="review-text">Your review</label>
            <input id="review-text" maxLength={2000} value={text} onInput={(event) => setText(event.currentTarget.value)} />
          </div>
          <button type="submit" disabled={submit.busy}>
            Post review
          </button>
          {submit.error ? <Notice kind="error">{errorText(submit.error)}</Notice> : done && <Notice kind="ok">Thank you for your review.</Notice>}
        </form>
      )}
    </section>
  );
}

function Related(props: { id: string }) {
  const related = useLoad(
    () => call<Schemas["RecommendationPage"]>("GET", `/v1/products/${encodeURIComponent(props.id)}/related`, { query: { limit: 6 } }),
    [props.id],
  );
  if (!related.data || related.data.items.length === 0) return null;
  return (
    <section aria-labelledby="related-heading">
      <h2 id="related-heading">Related products</h2>
      <ProductCards label="Related products" items={related.data.items.map((item) => ({ ...item, rating: 0 }))} />
    </section>
  );
}

export function ProductPage(props: { id: string }) {
  const session = useSession();
  const product = useLoad(() => call<Schemas["Product"]>("GET", `/v1/products/${encodeURIComponent(props.id)}`), [props.id]);
  const [chosen, setChosen] = useState<string | null>(null);
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState(false);
  const add = useAction(async (sku: string) => {
    if (!session) return go("#/account");
    const cart = await call<Schemas["Cart"]>("GET", "/v1/cart", { session });
    const had = cart.items.find((line) => line.sku === sku)?.quantity ?? 0;
    await call("PUT", `/v1/cart/items/${encodeURIComponent(sku)}`, { session, body: { quantity: had + quantity } });
    setAdded(true);
  });
  if (product.error) return <Failure error={product.error} />;
  if (!product.data) return <Loading what="the product" />;
  const page = product.data;
  const variant = page.variants.find((each) => each.sku === chosen) ?? page.variants.find((each) => each.in_stock) ?? page.variants[0]!;
  return (
    <article class="product">
      <p class="crumbs">
        <a href={href(["search"], { category: page.category })}>{page.category}</a> · {page.brand}
      </p>
      <h1>{page.title}</h1>
      {!page.listed && <Notice kind="info">This product is no longer sold.</Notice>}
      <div class="product-layout">
        {shownImage(page.images[0]) ? (
          <img class="product-image" src={page.images[0]} alt={page.title} width={320} height={320} />
        ) : (
          <div class="product-image placeholder" aria-hidden="true">
            {page.title.slice(0, 1)}
          </div>
        )}
        <div>
          <p class="price big">{money(variant.price_cents, variant.currency)}</p>
          <p>{page.description}</p>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void add.run(variant.sku);
            }}
          >
            <fieldset>
              <legend>Variant</legend>
              {page.variants.map((each) => (
                <label class="check" key={each.sku}>
                  <input
                    type="radio"
                    name="variant"
                    value={each.sku}
                    checked={each.sku === variant.sku}
                    onChange={() => (setChosen(each.sku), setAdded(false))}
                  />
                  {variantName(each)} — {money(each.price_cents, each.currency)} {each.in_stock ? "" : "(out of stock)"}
                </label>
              ))}
            </fieldset>
            <Stock sku={variant.sku} />
            <div class="field">
              <label for="quantity">Quantity</label>
              <input
                id="quantity"
                type="number"
                min={1}
                max={100}
                value={quantity}
                onInput={(event) => setQuantity(Math.max(1, Math.min(100, Number(event.currentTarget.value) || 1)))}
              />
            </div>
            {session?.role !== "seller" && (
              <button type="submit" disabled={add.busy || !variant.in_stock || !page.listed}>
                Add to cart
              </button>
            )}
          </form>
          <Failure error={add.error} />
          {added && (
            <Notice kind="ok">
              Added to your cart. <a href="#/cart">Go to the cart</a>
            </Notice>
          )}
          {Object.keys(page.attributes).length > 0 && (
            <dl class="attributes">
              {Object.entries(page.attributes).map(([name, value]) => (
                <div key={name}>
                  <dt>{name}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
            </dl>
          )}
        </div>
      </div>
      <Reviews product={page} />
      <Related id={page.id} />
    </article>
  );
}
