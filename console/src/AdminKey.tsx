import { useQueryClient } from "@tanstack/react-query";
import { useState, type ReactElement } from "react";
import { adminKeyStore } from "./api.js";

/**
 * The admin key of the admin pages, kept in sessionStorage only. Returns the key (empty until
 * one is given) and the field; saving it refetches what the pages show.
 */
export function useAdminKey(): [string, ReactElement] {
  const [key, setKey] = useState(adminKeyStore.get);
  const [draft, setDraft] = useState(key);
  const queryClient = useQueryClient();
  const field = (
    <form
      className="admin-key"
      onSubmit={(e) => {
        e.preventDefault();
        adminKeyStore.set(draft.trim());
        setKey(draft.trim());
        void queryClient.invalidateQueries();
      }}
    >
      <label>
        Admin key
        <input type="password" autoComplete="off" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="sk-…" />
      </label>
      <button type="submit">Use key</button>
      <small>Kept in this tab only (sessionStorage).</small>
    </form>
  );
  return [key, field];
}
