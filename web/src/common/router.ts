// Hash routes (#/product/ID?x=1): the binary serves one page per app,
// and a link can be opened, bookmarked and shared.
import { useEffect, useState } from "preact/hooks";

export interface Route {
  parts: string[];
  query: URLSearchParams;
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path = "", search = ""] = hash.split("?", 2);
  return {
    parts: path.split("/").filter(Boolean).map(decodeURIComponent),
    query: new URLSearchParams(search),
  };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = () => {
      setRoute(currentRoute());
      window.scrollTo(0, 0);
    };
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

export function href(parts: (string | number)[], query?: Record<string, string | number | undefined>): string {
  const path = parts.map((part) => encodeURIComponent(String(part))).join("/");
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {}))
    if (value !== undefined && value !== "") params.set(name, String(value));
  const search = params.toString();
  return `#/${path}${search ? `?${search}` : ""}`;
}

export function go(target: string) {
  location.hash = target.replace(/^#/, "");
}
