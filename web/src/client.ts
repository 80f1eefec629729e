// The pages reach the API only through this client, typed by
// src/api.d.ts, which openapi-typescript generates from the binary's own
// /openapi.json: a renamed or retyped field fails `npm run check` (and
// `make test`) instead of a buyer's checkout.
import createClient from "openapi-fetch";
import type { components, paths } from "./api";

export type Product = components["schemas"]["Product"];
export type Cart = components["schemas"]["Cart"];
export type Order = components["schemas"]["Order"];
export type ApiError = components["schemas"]["Error400"]["error"];

export function apiClient(baseUrl: string, token?: string) {
  return createClient<paths>({
    baseUrl,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

type Client = ReturnType<typeof apiClient>;

export async function signIn(client: Client, email: string, password: string) {
  const { data, error } = await client.POST("/v1/sessions", {
    body: { email, password },
  });
  if (error) throw new Error(error.error.message);
  return data.token;
}

export async function productPage(client: Client, id: string): Promise<Product> {
  const { data, error } = await client.GET("/v1/products/{id}", {
    params: { path: { id } },
  });
  if (error) throw new Error(error.error.message);
  return data;
}

/// The price a page shows: minor units in their currency.
export function priceText(product: Product): string {
  return `${(product.price_cents / 100).toFixed(2)} ${product.currency}`;
}

export async function setCartLine(client: Client, sku: string, quantity: number): Promise<Cart> {
  const { data, error } = await client.PUT("/v1/cart/items/{sku}", {
    params: { path: { sku } },
    body: { quantity },
  });
  if (error) throw new Error(error.error.message);
  return data;
}

/// Checks out the cart under `key`; a retry with the same key is the
/// same order.
export async function checkout(client: Client, key: string, token: string) {
  const { data, error, response } = await client.POST("/v1/checkout", {
    params: { header: { "Idempotency-Key": key } },
    body: { payment_token: token, shipping_address: { name: "Ann" } },
  });
  if (error) return { ok: false as const, code: error.error.code, message: error.error.message };
  return { ok: true as const, status: response.status, order_id: data.order_id };
}
