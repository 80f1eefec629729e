import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { call, type Schemas } from "../common/api";
import { go, href, useRoute } from "../common/router";
import { AccountPage } from "./account";
import { CartPage } from "./cart";
import { CheckoutPage } from "./checkout";
import { FlashSalePage } from "./flash";
import { HomePage } from "./home";
import { OrderPage, OrdersPage } from "./orders";
import { ProductPage } from "./product";
import { SearchPage, searchAgain } from "./search";
import { SellerPage } from "./seller";
import { signOut, useSession } from "./session";

function SearchBox() {
  const route = useRoute();
  const [text, setText] = useState(route.parts[0] === "search" ? (route.query.get("q") ?? "") : "");
  const [suggestions, setSuggestions] = useState<string[]>([]);
  useEffect(() => {
    const prefix = text.trim();
    if (prefix.length < 2) return setSuggestions([]);
    const timer = setTimeout(() => {
      call<Schemas["Suggestions"]>("GET", "/v1/autocomplete", { query: { prefix, limit: 8 } }).then(
        (answer) => setSuggestions(answer.suggestions),
        () => setSuggestions([]),
      );
    }, 150);
    return () => clearTimeout(timer);
  }, [text]);
  return (
    <form
      class="search-box"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        const target = href(["search"], { q: text.trim() });
        // The same search again is no navigation: ask the page to run it anew.
        if (location.hash === target) dispatchEvent(new Event(searchAgain));
        else go(target);
      }}
    >
      <label for="search-text" class="visually-hidden">
        Search products
      </label>
      <input
        id="search-text"
        type="search"
        name="q"
        list="search-suggestions"
        placeholder="Search products"
        autocomplete="off"
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <datalist id="search-suggestions">
        {suggestions.map((suggestion) => (
          <option value={suggestion} key={suggestion} />
        ))}
      </datalist>
      <button type="submit">Search</button>
    </form>
  );
}

function Header() {
  const session = useSession();
  return (
    <header class="top">
      <a class="brand" href="#/">
        tillroll
      </a>
      <SearchBox />
      <nav aria-label="Account">
        {session?.role !== "seller" && <a href="#/cart">Cart</a>}
        {session?.role === "buyer" && <a href="#/orders">Orders</a>}
        {session?.role === "seller" && <a href="#/seller">Seller area</a>}
        {session ? (
          <button type="button" class="link" onClick={() => (signOut(), go("#/"))}>
            Sign out {session.email}
          </button>
        ) : (
          <a href="#/account">Sign in</a>
        )}
      </nav>
    </header>
  );
}

function Page() {
  const route = useRoute();
  const [first, second] = route.parts;
  switch (first) {
    case undefined:
      return <HomePage />;
    case "search":
      return <SearchPage query={route.query} />;
    case "product":
      return <ProductPage id={second ?? ""} />;
    case "cart":
      return <CartPage />;
    case "checkout":
      return <CheckoutPage />;
    case "orders":
      return second ? <OrderPage id={second} /> : <OrdersPage />;
    case "account":
      return <AccountPage />;
    case "seller":
      return <SellerPage route={route} />;
    case "flash":
      return <FlashSalePage id={second ?? ""} />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no such page. <a href="#/">Back to the shop</a>.
          </p>
        </section>
      );
  }
}

function App() {
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        <Page />
      </main>
      <footer class="bottom">
        <p>
          tillroll demo store · test cards: tok_visa, tok_declined, tok_timeout, tok_error · <a href="/console/">Operator console</a>
        </p>
      </footer>
    </>
  );
}

render(<App />, document.getElementById("app")!);
