import { render } from "preact";
import { useRoute } from "../common/router";
import { Field, Failure, formValues, useAction } from "../common/ui";
import { FlashSalesPage } from "./flash";
import { LogPage } from "./log";
import { MetricsPage } from "./metrics";
import { AuditPage, ClusterPage, LedgerPage, ReadModelsPage } from "./ops";
import { signIn, signOut, useAdmin } from "./session";
import { StreamPage } from "./stream";

function SignIn() {
  const action = useAction(async (form: HTMLFormElement) => {
    const { email = "", password = "" } = formValues(form);
    await signIn(email, password);
  });
  return (
    <section class="narrow">
      <h1>Operator console</h1>
      <p>Sign in with the admin account the node was started with (--admin-email and --admin-password; the demo prints its own).</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(event.currentTarget);
        }}
      >
        <Field label="Admin email" name="email" type="email" required autocomplete="username" />
        <Field label="Password" name="password" type="password" required autocomplete="current-password" />
        <button type="submit" disabled={action.busy}>
          Sign in
        </button>
      </form>
      <Failure error={action.error} />
    </section>
  );
}

const sections: [string, string][] = [
  ["log", "Log"],
  ["stream", "Streams"],
  ["audit", "Audit"],
  ["ledger", "Ledger"],
  ["models", "Read models"],
  ["metrics", "Metrics"],
  ["flash", "Flash sales"],
  ["cluster", "Cluster"],
];

function Page() {
  const route = useRoute();
  const [first = "log", second = ""] = route.parts;
  switch (first) {
    case "stream":
      return <StreamPage stream={second} query={route.query} key={second} />;
    case "audit":
      return <AuditPage />;
    case "ledger":
      return <LedgerPage />;
    case "models":
      return <ReadModelsPage />;
    case "metrics":
      return <MetricsPage />;
    case "flash":
      return <FlashSalesPage />;
    case "cluster":
      return <ClusterPage />;
    default:
      return <LogPage query={route.query} key={route.query.toString()} />;
  }
}

function App() {
  const admin = useAdmin();
  const route = useRoute();
  const current = route.parts[0] ?? "log";
  return (
    <>
      <header class="top">
        <a class="brand" href="#/log">
          tillroll console
        </a>
        {admin && (
          <nav aria-label="Console">
            {sections.map(([name, text]) => (
              <a href={`#/${name}`} key={name} aria-current={current === name ? "page" : undefined}>
                {text}
              </a>
            ))}
            <a href="/">Store</a>
            <button type="button" class="link" onClick={signOut}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {admin ? <Page /> : <SignIn />}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
