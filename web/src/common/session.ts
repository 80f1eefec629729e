// A signed-in person shared by every page of one app; the storefront and
// the console each keep their own under their own key.
import { useEffect, useState } from "preact/hooks";
import { loadSession, signIn as startSession, signOut as endSession, type Session } from "./api";

/// `admit` may refuse a session that signed in (the console takes only
/// the admin); a refused one is forgotten at once.
export function sessionStore(key: string, admit: (session: Session) => void = () => undefined) {
  let current: Session | null = loadSession(key);
  const listeners = new Set<(session: Session | null) => void>();
  const publish = () => listeners.forEach((listener) => listener(current));
  return {
    useSession(): Session | null {
      const [session, setSession] = useState(current);
      useEffect(() => {
        listeners.add(setSession);
        return () => {
          listeners.delete(setSession);
        };
      }, []);
      return session;
    },
    async signIn(email: string, password: string) {
      const session = await startSession(key, email, password);
      try {
        admit(session);
      } catch (refused) {
        endSession(key);
        throw refused;
      }
      current = session;
      publish();
    },
    signOut() {
      endSession(key);
      current = null;
      publish();
    },
  };
}
