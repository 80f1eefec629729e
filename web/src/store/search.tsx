import { useEffect } from "preact/hooks";
import { call, type Schemas } from "../common/api";
import { money } from "../common/format";
import { go, href } from "../common/router";
import { Failure, Loading, Select, useLoad } from "../common/ui";
import { ProductCards } from "./cards";

const pageSize = 20;

/// The event the search box sends when the same search is submitted again.
export const searchAgain = "tillroll-search-again";

/// One facet's values with their counts; ticking one filters by it,
/// unticking drops the filter.
function FacetGroup(props: {
  title: string;
  name: string;
  counts: Record<string, number>;
  chosen: string | undefined;
  change: (changes: Record<string, string | undefined>) => void;
}) {
  return (
    <fieldset>
      <legend>{props.title}</legend>
      {Object.entries(props.counts).map(([value, count]) => (
        <label key={value} class="check">
          <input
            type="checkbox"
            name={props.name}
            checked={props.chosen === value}
            onChange={(event) => props.change({ [props.name]: event.currentTarget.checked ? value : undefined })}
          />
          {value} ({count})
        </label>
      ))}
    </fieldset>
  );
}

/// The search's filters live in the address, so a filtered page can be
/// shared and the back button undoes a filter.
export function SearchPage(props: { query: URLSearchParams }) {
  const filters = Object.fromEntries(props.query.entries());
  const offset = Number(filters["offset"] ?? 0) || 0;
  const found = useLoad(
    () => call<Schemas["SearchResults"]>("GET", "/v1/search", { query: { ...filters, limit: pageSize } }),
    [props.query.toString()],
  );
  useEffect(() => {
    addEventListener(searchAgain, found.reload);
    return () => removeEventListener(searchAgain, found.reload);
  }, [found.reload]);
  const change = (changes: Record<string, string | undefined>) => {
    const next: Record<string, string | undefined> = { ...filters, offset: undefined, ...changes };
    go(href(["search"], next));
  };
  const facets = found.data?.facets;
  const title = filters["q"] ? `Results for “${filters["q"]}”` : filters["category"] ? filters["category"] : "All products";
  return (
    <>
      <h1>{title}</h1>
      {found.data?.did_you_mean && (
        <p class="notice info" role="status">
          {found.data.corrected ? "Showing results for " : "Did you mean "}
          <a href={href(["search"], { ...filters, q: found.data.did_you_mean, offset: undefined })}>{found.data.did_you_mean}</a>?
        </p>
      )}
      <div class="search-layout">
        <aside aria-label="Filters" class="filters">
          {facets && (
            <>
              <FacetGroup title="Category" name="category" counts={facets.category} chosen={filters["category"]} change={change} />
              <FacetGroup title="Brand" name="brand" counts={facets.brand} chosen={filters["brand"]} change={change} />
              <fieldset>
                <legend>Price</legend>
                {facets.price.map((bucket) => {
                  const chosen = filters["min_price"] === String(bucket.min);
                  const text =
                    bucket.max === null || bucket.max === undefined
                      ? `${money(bucket.min, "USD")} and up`
                      : `${money(bucket.min, "USD")} – ${money(bucket.max, "USD")}`;
                  return (
                    <label key={bucket.min} class="check">
                      <input
                        type="checkbox"
                        name="price"
                        checked={chosen}
                        onChange={(event) =>
                          change(
                            event.currentTarget.checked
                              ? { min_price: String(bucket.min), max_price: bucket.max == null ? undefined : String(bucket.max) }
                              : { min_price: undefined, max_price: undefined },
                          )
                        }
                      />
                      {text} ({bucket.count})
                    </label>
                  );
                })}
              </fieldset>
            </>
          )}
          <label class="check">
            <input
              type="checkbox"
              name="in_stock"
              checked={filters["in_stock"] === "true"}
              onChange={(event) => change({ in_stock: event.currentTarget.checked ? "true" : undefined })}
            />
            In stock only
          </label>
          <Select
            label="Minimum rating"
            name="min_rating"
            value={filters["min_rating"] ?? ""}
            options={[["", "Any"], ["3", "3 and up"], ["4", "4 and up"]]}
            onChange={(value) => change({ min_rating: value || undefined })}
          />
        </aside>
        <section aria-label="Results" class="results">
          <Select
            label="Sort by"
            name="sort"
            value={filters["sort"] ?? "relevance"}
            options={[
              ["relevance", "Relevance"],
              ["price_asc", "Price: low to high"],
              ["price_desc", "Price: high to low"],
              ["newest", "Newest"],
            ]}
            onChange={(value) => change({ sort: value })}
          />
          <Failure error={found.error} />
          {found.loading && <Loading what="results" />}
          {found.data && (
            <>
              <p class="muted" aria-live="polite">
                {found.data.total} products
              </p>
              <ProductCards label="Search results" items={found.data.items} />
              <nav class="pager" aria-label="Pages">
                {offset > 0 && (
                  <a href={href(["search"], { ...filters, offset: Math.max(0, offset - pageSize) })}>Previous</a>
                )}
                {offset + pageSize < found.data.total && <a href={href(["search"], { ...filters, offset: offset + pageSize })}>Next</a>}
              </nav>
            </>
          )}
        </section>
      </div>
    </>
  );
}
