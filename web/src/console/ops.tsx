// The audit, the ledger and reconciliation, the read models and the
// cluster: what an operator checks when money or stock look wrong.
import { useCallback, useState } from "preact/hooks";
import { call, type Schemas } from "../common/api";
import { money } from "../common/format";
import { Failure, Loading, Notice, useAction, useInterval, useLoad, TableHead } from "../common/ui";
import { StreamLink } from "./links";
import { useAdmin } from "./session";

type Audit = Schemas["AuditReport"];

/// Each finding list and the stream kind its entries name (entries that
/// are already stream names are linked as they are).
const findings: [keyof Audit, string, string][] = [
  ["oversold_skus", "Oversold SKUs", "sku"],
  ["orders_without_payment", "Orders past payment without a capture", "order"],
  ["unbalanced_transactions", "Unbalanced ledger transactions", "payment"],
  ["double_charges", "Keys charged twice", ""],
  ["line_mismatches", "Units sold that differ from units paid", "order"],
  ["unrefunded_cancellations", "Paid orders cancelled, not refunded", "order"],
  ["parked_refunds", "Refunds the PSP kept refusing", "order"],
  ["flash_sale_limits_passed", "Flash sales past their per-buyer limit", "flash_sale"],
];

function FindingLink(props: { text: string; kind: string }) {
  const known = /^(sku|order|payment|cart|product|user|flash_sale)-/.test(props.text);
  if (known) return <StreamLink stream={props.text.split(" ")[0]!} />;
  if (!props.kind) return <code>{props.text}</code>;
  const id = props.text.split(/[ :]/)[0]!;
  return (
    <>
      <StreamLink stream={`${props.kind}-${id}`} /> <span class="muted">{props.text.slice(id.length)}</span>
    </>
  );
}

export function AuditPage() {
  const session = useAdmin();
  const report = useLoad(() => call<Audit>("GET", "/v1/admin/audit", { session }), [session?.token]);
  return (
    <section>
      <h1>Audit</h1>
      <button type="button" onClick={report.reload} disabled={report.loading}>
        Run the audit again
      </button>
      <Failure error={report.error} />
      {report.loading && <Loading what="the audit" />}
      {report.data && (
        <>
          {report.data.ok ? (
            <Notice kind="ok">
              <span data-testid="audit-ok">Audit ok</span>: no oversell, every paid order captured, the ledger balances, no key charged twice.
            </Notice>
          ) : (
            <Notice kind="error">The audit found broken invariants: see below.</Notice>
          )}
          <p class="muted">
            {report.data.events} events, {report.data.skus} SKUs, {report.data.orders} orders, {report.data.payments} payments checked.
          </p>
          {findings.map(([field, title, kind]) => {
            const list = report.data![field] as string[];
            return (
              <section key={field}>
                <h2>
                  {title} ({list.length})
                </h2>
                {list.length > 0 && (
                  <ul>
                    {list.slice(0, 200).map((text) => (
                      <li key={text}>
                        <FindingLink text={text} kind={kind} />
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            );
          })}
        </>
      )}
    </section>
  );
}

export function LedgerPage() {
  const session = useAdmin();
  const [cursor, setCursor] = useState<string | null>(null);
  const ledger = useLoad(() => call<Schemas["LedgerPage"]>("GET", "/v1/admin/ledger", { session, query: { cursor, limit: 100 } }), [cursor]);
  const charges = useLoad(() => call<Schemas["PspCharges"]>("GET", "/v1/admin/psp/charges", { session }), []);
  const [result, setResult] = useState<Schemas["Reconciliation"] | null>(null);
  const reconcile = useAction(async () => {
    setResult(await call<Schemas["Reconciliation"]>("POST", "/v1/admin/reconcile", { session }));
  });
  const doubles = charges.data?.items.filter((charge) => charge.captures > 1).length ?? 0;
  return (
    <section>
      <h1>Ledger and reconciliation</h1>
      <button type="button" onClick={() => void reconcile.run()} disabled={reconcile.busy}>
        Reconcile with the PSP
      </button>
      <Failure error={reconcile.error} />
      {result &&
        (result.ok ? (
          <Notice kind="ok">The ledger and the PSP agree on every payment.</Notice>
        ) : (
          <Notice kind="error">
            {result.differences.length} differences:{" "}
            {result.differences.slice(0, 20).map((difference) => (
              <span key={difference.payment_id}>
                <StreamLink stream={`payment-${difference.payment_id}`} /> {difference.kind} (ledger {difference.ledger_cents}, PSP {difference.psp_cents}){" "}
              </span>
            ))}
          </Notice>
        ))}
      <h2>Balances</h2>
      <Failure error={ledger.error} />
      <table class="lines">
        <caption class="visually-hidden">Balances per account</caption>
        <TableHead columns={["Account", "Balance"]} />
        <tbody>
          {ledger.data?.items.map((row) => (
            <tr key={`${row.account} ${row.currency}`}>
              <td>{row.account}</td>
              <td>{money(row.balance_cents, row.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {ledger.data?.next_cursor && (
        <button type="button" onClick={() => setCursor(ledger.data?.next_cursor ?? null)}>
          More accounts
        </button>
      )}
      <h2>The PSP's books</h2>
      <Failure error={charges.error} />
      {charges.data && (
        <p>
          {charges.data.items.length} charge keys; {doubles === 0 ? "none charged twice" : <strong>{doubles} charged more than once</strong>}.
        </p>
      )}
    </section>
  );
}

export function ReadModelsPage() {
  const session = useAdmin();
  const models = useLoad(() => call<Schemas["ReadModels"]>("GET", "/v1/admin/read-models", { session }), []);
  useInterval(useCallback(() => models.reload(), [models.reload]), 2000);
  return (
    <section>
      <h1>Read models</h1>
      <Failure error={models.error} />
      <table class="lines">
        <caption class="visually-hidden">Read models and their lag</caption>
        <TableHead columns={["Read model", "Applied up to", "Behind (events)", "Behind (ms)", "Status"]} />
        <tbody>
          {models.data?.items.map((model) => (
            <tr key={model.name}>
              <td>{model.name}</td>
              <td>{model.offset}</td>
              <td>{model.lag_events}</td>
              <td>{model.lag_ms}</td>
              <td class={model.status === "caught_up" ? "good" : "warn"}>{model.status.replace("_", " ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        A read model is rebuilt from the first event with <code>tillroll rebuild --data-dir DIR --projection NAME</code> while the node is stopped;
        on the next start it shows here catching up, then caught up.
      </p>
    </section>
  );
}

export function ClusterPage() {
  const session = useAdmin();
  const cluster = useLoad(() => call<Schemas["Cluster"]>("GET", "/v1/admin/cluster", { session }), []);
  useInterval(useCallback(() => cluster.reload(), [cluster.reload]), 2000);
  if (cluster.error) return <Failure error={cluster.error} />;
  if (!cluster.data) return <Loading what="the cluster" />;
  return (
    <section>
      <h1>Cluster</h1>
      {cluster.data.members.length === 0 ? (
        <p>This node runs alone (no --members).</p>
      ) : (
        <table class="lines">
          <caption>Members, as {cluster.data.node_id} sees them</caption>
          <TableHead columns={["Member", "Address", "Status", "Last seen", "Replication lag (events)"]} />
          <tbody>
            {cluster.data.members.map((member) => (
              <tr key={member.id}>
                <td>{member.id}</td>
                <td>{member.address}</td>
                <td class={member.status === "up" ? "good" : "bad"}>{member.status}</td>
                <td>{member.last_seen_ms ? new Date(member.last_seen_ms).toLocaleTimeString() : "—"}</td>
                <td>{member.replication_lag_events ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
