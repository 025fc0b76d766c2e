import { skipToken, useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { AdminService } from "../../../src/gen/sluice/v1/admin_pb.js";
import { useAdminKey } from "../AdminKey.js";
import { errorText } from "../api.js";

/** A tenant's keys: list, create (the secret shown once, with a copy button), revoke. */
export function Keys() {
  const [adminKey, adminKeyField] = useAdminKey();
  const [tenant, setTenant] = useState("");
  const [keyId, setKeyId] = useState("");
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const keys = useQuery(AdminService.method.listKeys, adminKey ? { tenant: tenant.trim() } : skipToken);
  const createKey = useMutation(AdminService.method.createKey, {
    onSuccess: (res) => {
      setCreated({ id: res.key?.id ?? "", secret: res.secret });
      setCopied(false);
      setKeyId("");
      void keys.refetch();
    },
  });
  const revokeKey = useMutation(AdminService.method.revokeKey, { onSuccess: () => void keys.refetch() });
  const error = keys.error ?? createKey.error ?? revokeKey.error;

  return (
    <section>
      {adminKeyField}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setCreated(null);
          createKey.mutate({ tenant: tenant.trim(), id: keyId.trim() });
        }}
      >
        <label>
          Tenant
          <input value={tenant} onChange={(e) => setTenant(e.target.value)} placeholder="all tenants" />
        </label>
        <label>
          Key id
          <input value={keyId} onChange={(e) => setKeyId(e.target.value)} placeholder="generated" />
        </label>
        <button type="submit" disabled={!adminKey || !tenant.trim() || createKey.isPending}>
          Create key
        </button>
      </form>
      {created && (
        <div className="secret" role="status">
          <p>
            Key <strong>{created.id}</strong> created. Copy it now: it is not shown again.
          </p>
          <output aria-label="New API key">{created.secret}</output>
          <button
            type="button"
            onClick={() =>
              void navigator.clipboard.writeText(created.secret).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? "Copied" : "Copy"}
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {errorText(error)}
        </p>
      )}
      {!adminKey && <p className="hint">Give an admin key to see and manage keys.</p>}
      {keys.data && (
        <table>
          <caption>{tenant.trim() ? `Keys of ${tenant.trim()}` : "All keys"}</caption>
          <thead>
            <tr>
              <th scope="col">Key id</th>
              <th scope="col">Tenant</th>
              <th scope="col">Source</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.keys.map((k) => (
              <tr key={k.id}>
                <th scope="row">{k.id}</th>
                <td>{k.tenant}</td>
                <td>{k.source}</td>
                <td>{k.createdAt || "—"}</td>
                <td>{k.expiresAt || "never"}</td>
                <td>{k.revoked ? "revoked" : "active"}</td>
                <td>
                  <button type="button" disabled={k.revoked || revokeKey.isPending} onClick={() => revokeKey.mutate({ id: k.id })}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
