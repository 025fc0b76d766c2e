import { useEffect, useState, type MouseEvent } from "react";
import { Keys } from "./pages/Keys.js";
import { Playground } from "./pages/Playground.js";
import { Policies } from "./pages/Policies.js";
import { Providers } from "./pages/Providers.js";
import { Usage } from "./pages/Usage.js";

const PAGES = [
  { path: "playground", name: "Playground", Page: Playground },
  { path: "usage", name: "Usage", Page: Usage },
  { path: "keys", name: "Keys", Page: Keys },
  { path: "policies", name: "Policies", Page: Policies },
  { path: "providers", name: "Providers", Page: Providers },
] as const;

const BASE = "/console/";

/** The page named by the URL (/console/<page>); the playground for /console itself. */
function pageFromLocation(): (typeof PAGES)[number] {
  const rest = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : "";
  return PAGES.find((p) => p.path === rest.split("/")[0]) ?? PAGES[0];
}

export function App() {
  const [page, setPage] = useState(pageFromLocation);
  useEffect(() => {
    const onPop = () => setPage(pageFromLocation());
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  useEffect(() => {
    document.title = `${page.name} · Sluice console`;
  }, [page]);

  const go = (target: (typeof PAGES)[number]) => (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return; // new tab etc.: the browser's way
    e.preventDefault();
    window.history.pushState(null, "", BASE + target.path);
    setPage(target);
  };

  const { Page } = page;
  return (
    <>
      <header>
        <span className="brand">Sluice</span>
        <nav aria-label="Console">
          {PAGES.map((p) => (
            <a key={p.path} href={BASE + p.path} onClick={go(p)} aria-current={p === page ? "page" : undefined}>
              {p.name}
            </a>
          ))}
        </nav>
      </header>
      <main>
        <h1>{page.name}</h1>
        <Page />
      </main>
    </>
  );
}
