import { money } from "../common/format";
import { href } from "../common/router";

export interface CardItem {
  product_id: string;
  title: string;
  price_cents: number;
  currency: string;
  rating: number;
  in_stock: boolean;
}

export function ProductCards(props: { items: CardItem[]; label: string }) {
  if (props.items.length === 0) return <p class="muted">Nothing here yet.</p>;
  return (
    <ul class="cards" aria-label={props.label}>
      {props.items.map((item) => (
        <li class="card" key={item.product_id}>
          <a href={href(["product", item.product_id])}>
            <span class="card-title">{item.title}</span>
          </a>
          <span class="price">{money(item.price_cents, item.currency)}</span>
          <span class="muted">
            {item.rating > 0 ? `★ ${item.rating.toFixed(1)}` : "no reviews"} · {item.in_stock ? "in stock" : "out of stock"}
          </span>
        </li>
      ))}
    </ul>
  );
}
