// The console's admin session, apart from the storefront's.
import { sessionStore } from "../common/session";

const store = sessionStore("tillroll.console.session", (session) => {
  if (session.role !== "admin") throw new Error("This account is not the admin: the console is for the shop's operator.");
});
export const useAdmin = store.useSession;
export const signIn = store.signIn;
export const signOut = store.signOut;
