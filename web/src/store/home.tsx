import { call, type Schemas } from "../common/api";
import { href } from "../common/router";
import { Failure, Loading, useLoad } from "../common/ui";
import { ProductCards, type CardItem } from "./cards";
import { useSession } from "./session";

function fromProduct(product: Schemas["Product"]): CardItem {
  return {
    product_id: product.id,
    title: product.title,
    price_cents: product.price_cents,
    currency: product.currency,
    rating: product.rating,
    in_stock: product.in_stock,
  };
}

function Recommended() {
  const session = useSession();
  const found = useLoad(
    () => call<Schemas["RecommendationPage"]>("GET", "/v1/recommendations", { session, query: { limit: 8 } }),
    [session?.token],
  );
  if (found.error) return <Failure error={found.error} />;
  if (!found.data) return <Loading what="recommendations" />;
  return (
    <ProductCards
      label="Recommended for you"
      items={found.data.items.map((item) => ({ ...item, rating: 0 }))}
    />
  );
}

export function HomePage() {
  const session = useSession();
  const categories = useLoad(() => call<Schemas["SearchResults"]>("GET", "/v1/search", { query: { limit: 1 } }), []);
  const best = useLoad(
    () => call<Schemas["ProductPage"]>("GET", "/v1/products", { query: { sort: "best_selling", limit: 8, in_stock: true } }),
    [],
  );
  const names = Object.entries(categories.data?.facets.category ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <>
      <h1>Welcome to the tillroll store</h1>
      <section aria-labelledby="categories-heading">
        <h2 id="categories-heading">Categories</h2>
        <Failure error={categories.error} />
        {categories.loading && <Loading what="categories" />}
        <ul class="chips">
          {names.map(([name, count]) => (
            <li key={name}>
              <a href={href(["search"], { category: name })}>
                {name} <span class="muted">({count})</span>
              </a>
            </li>
          ))}
        </ul>
      </section>
      {session?.role === "buyer" && (
        <section aria-labelledby="recommended-heading">
          <h2 id="recommended-heading">Recommended for you</h2>
          <Recommended />
        </section>
      )}
      <section aria-labelledby="best-heading">
        <h2 id="best-heading">Best sellers</h2>
        <Failure error={best.error} />
        {best.data ? <ProductCards label="Best sellers" items={best.data.items.map(fromProduct)} /> : <Loading what="best sellers" />}
      </section>
    </>
  );
}
