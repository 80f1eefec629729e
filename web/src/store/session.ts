// The storefront's signed-in buyer or seller.
import { sessionStore } from "../common/session";

const store = sessionStore("tillroll.store.session");
export const useSession = store.useSession;
export const signIn = store.signIn;
export const signOut = store.signOut;
