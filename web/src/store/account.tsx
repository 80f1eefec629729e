import { useState } from "preact/hooks";
import { call } from "../common/api";
import { go } from "../common/router";
import { Field, Failure, Select, formValues, useAction } from "../common/ui";
import { signIn } from "./session";

export function AccountPage() {
  const [mode, setMode] = useState<"in" | "up">("in");
  const [role, setRole] = useState("buyer");
  const action = useAction(async (form: HTMLFormElement) => {
    const { email = "", password = "" } = formValues(form);
    if (mode === "up") await call("POST", "/v1/users", { body: { email, password, role } });
    await signIn(email, password);
    go(role === "seller" && mode === "up" ? "#/seller" : "#/");
  });
  return (
    <section class="narrow">
      <h1>{mode === "in" ? "Sign in" : "Create an account"}</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(event.currentTarget);
        }}
      >
        <Field label="Email" name="email" type="email" required autocomplete="email" />
        <Field
          label="Password"
          name="password"
          type="password"
          required
          minLength={mode === "up" ? 8 : undefined}
          autocomplete={mode === "in" ? "current-password" : "new-password"}
        />
        {mode === "up" && (
          <Select label="I want to" name="role" value={role} options={[["buyer", "Buy"], ["seller", "Sell"]]} onChange={setRole} />
        )}
        <button type="submit" disabled={action.busy}>
          {mode === "in" ? "Sign in" : "Create account"}
        </button>
      </form>
      <Failure error={action.error} />
      <p>
        {mode === "in" ? "New here? " : "Have an account? "}
        <button type="button" class="link" onClick={() => (setMode(mode === "in" ? "up" : "in"), action.setError(null))}>
          {mode === "in" ? "Create an account" : "Sign in"}
        </button>
      </p>
    </section>
  );
}
