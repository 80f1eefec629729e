import { useCallback, useState } from "preact/hooks";
import { call, type Schemas } from "../common/api";
import { money, when } from "../common/format";
import { href } from "../common/router";
import { Field, Failure, Notice, formValues, useAction, useInterval, useLoad, TableHead } from "../common/ui";
import { StreamLink } from "./links";
import { useAdmin } from "./session";

/// The sales this member knows, from its log's flash_sale streams.
async function saleIds(session: ReturnType<typeof useAdmin>): Promise<string[]> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  for (let page = 0; page < 20; ++page) {
    const found: Schemas["GlobalLogPage"] = await call("GET", "/v1/admin/events", { session, query: { kind: "flash_sale", cursor, limit: 500 } });
    for (const line of found.items) if (line.sequence === 1) ids.add(line.stream.slice("flash_sale-".length));
    if (!found.next_cursor) break;
    cursor = found.next_cursor;
  }
  return [...ids].reverse();
}

function SaleRow(props: { id: string }) {
  const sale = useLoad(() => call<Schemas["FlashSale"]>("GET", `/v1/flash-sales/${encodeURIComponent(props.id)}`), [props.id]);
  useInterval(useCallback(() => sale.reload(), [sale.reload]), 1000);
  if (!sale.data) return null;
  const info = sale.data;
  const elapsed = Math.max(0, (Date.now() - Date.parse(info.starts_at)) / 1000);
  const target = info.status === "scheduled" ? 0 : Math.min(Math.floor(elapsed * info.admit_per_second), info.admitted + info.waiting);
  return (
    <tr>
      <td>
        <StreamLink stream={`flash_sale-${info.id}`} /> <a href={`/${href(["flash", info.id])}`}>store page</a>
      </td>
      <td>{info.sku}</td>
      <td>{info.status.replace("_", " ")}</td>
      <td>{info.waiting}</td>
      <td>
        {info.admitted} / {target}
      </td>
      <td>
        {info.remaining} of {info.quantity} ({info.sold} sold)
      </td>
      <td>{money(info.price_cents, info.currency)}</td>
      <td>{when(info.ends_at)}</td>
    </tr>
  );
}

export function FlashSalesPage() {
  const session = useAdmin();
  const sales = useLoad(() => saleIds(session), [session?.token]);
  const [created, setCreated] = useState<string | null>(null);
  const create = useAction(async (form: HTMLFormElement) => {
    const values = formValues(form);
    const starts = new Date(Date.now() + Number(values["starts_in"] ?? 0) * 1000);
    const ends = new Date(starts.getTime() + Number(values["minutes"] ?? 10) * 60000);
    const sale = await call<Schemas["FlashSale"]>("POST", "/v1/flash-sales", {
      session,
      body: {
        sku: values["sku"],
        quantity: Number(values["quantity"]),
        price_cents: Math.round(Number(values["price"]) * 100),
        starts_at: starts.toISOString().replace(/\.\d+Z$/, "Z"),
        ends_at: ends.toISOString().replace(/\.\d+Z$/, "Z"),
        per_user_limit: Number(values["per_user_limit"]),
        admit_per_second: Number(values["admit_per_second"]),
      },
    });
    setCreated(sale.id);
    sales.reload();
  });
  return (
    <section>
      <h1>Flash sales</h1>
      <table class="lines">
        <caption class="visually-hidden">Flash sales</caption>
        <TableHead columns={["Sale", "SKU", "Status", "Waiting", "Admitted / target", "Remaining", "Price", "Ends"]} />
        <tbody>{sales.data?.map((id) => <SaleRow id={id} key={id} />)}</tbody>
      </table>
      <Failure error={sales.error} />
      {sales.data && sales.data.length === 0 && <p>No flash sale yet.</p>}
      <h2>Start a flash sale</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void create.run(event.currentTarget);
        }}
      >
        <Field label="SKU" name="sku" required />
        <Field label="Units set aside" name="quantity" type="number" min={1} value="10" required />
        <Field label="Sale price" name="price" inputMode="decimal" required />
        <Field label="Starts in (seconds)" name="starts_in" type="number" min={0} value="0" required />
        <Field label="Lasts (minutes)" name="minutes" type="number" min={1} value="10" required />
        <Field label="Units per buyer" name="per_user_limit" type="number" min={1} value="1" required />
        <Field label="Buyers admitted per second" name="admit_per_second" type="number" min={1} value="5" required />
        <button type="submit" disabled={create.busy}>
          Create the sale
        </button>
      </form>
      <Failure error={create.error} />
      {created && <Notice kind="ok">Sale {created} created.</Notice>}
    </section>
  );
}
