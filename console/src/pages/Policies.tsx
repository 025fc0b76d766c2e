import { skipToken, useMutation, useQuery } from "@connectrpc/connect-query";
import { useEffect, useState } from "react";
import { AdminService, type TestPolicyResponse } from "../../../src/gen/sluice/v1/admin_pb.js";
import { useAdminKey } from "../AdminKey.js";
import { errorText } from "../api.js";

/** Each slot's versions and the active one; upload a module, run its conformance vectors, push it, roll back. */
export function Policies() {
  const [adminKey, adminKeyField] = useAdminKey();
  const slots = useQuery(AdminService.method.listPolicySlots, adminKey ? {} : skipToken);
  const [slot, setSlot] = useState("");
  useEffect(() => {
    if (!slot && slots.data?.slots[0]) setSlot(slots.data.slots[0].name);
  }, [slot, slots.data]);
  const versions = useQuery(AdminService.method.listPolicies, adminKey && slot ? { slot } : skipToken);
  const [module, setModule] = useState<{ name: string; bytes: Uint8Array } | null>(null);
  const [note, setNote] = useState("");
  const [tested, setTested] = useState<TestPolicyResponse | null>(null);
  const [done, setDone] = useState("");
  const refresh = () => {
    void versions.refetch();
    void slots.refetch();
  };
  const test = useMutation(AdminService.method.testPolicy, { onSuccess: setTested });
  const push = useMutation(AdminService.method.pushPolicy, {
    onSuccess: (res) => {
      setDone(`Pushed ${slot} version ${res.version?.version}: active now.`);
      refresh();
    },
  });
  const rollback = useMutation(AdminService.method.rollbackPolicy, {
    onSuccess: (res) => {
      setDone(`${slot}: version ${res.activation?.version} active.`);
      refresh();
    },
  });
  const error = slots.error ?? versions.error ?? test.error ?? push.error ?? rollback.error;
  const active = versions.data?.activeVersion ?? 0;
  const before = () => {
    setDone("");
    test.reset();
    push.reset();
    rollback.reset();
  };

  return (
    <section>
      {adminKeyField}
      {!adminKey && <p className="hint">Give an admin key to see and manage policy modules.</p>}
      {slots.data && slots.data.slots.length === 0 && <p className="hint">No policy slot is configured (policies in the config).</p>}
      {slots.data && slots.data.slots.length > 0 && (
        <>
          <div className="row">
            <label>
              Slot
              <select value={slot} onChange={(e) => setSlot(e.target.value)}>
                {slots.data.slots.map((s) => (
                  <option key={s.name} value={s.name}>
                    {s.name} ({s.export}, fails {s.fail})
                  </option>
                ))}
              </select>
            </label>
          </div>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (!module) return;
              before();
              push.mutate({ slot, module: module.bytes, note });
            }}
          >
            <label>
              Module (.wasm)
              <input
                type="file"
                accept=".wasm,application/wasm"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  setTested(null);
                  setModule(null);
                  if (file) void file.arrayBuffer().then((b) => setModule({ name: file.name, bytes: new Uint8Array(b) }));
                }}
              />
            </label>
            <label>
              Note
              <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="what changed" />
            </label>
            <button
              type="button"
              disabled={!module || test.isPending}
              onClick={() => {
                before();
                setTested(null);
                test.mutate({ slot, module: module!.bytes });
              }}
            >
              Run conformance
            </button>
            <button type="submit" disabled={!module || push.isPending}>
              Push
            </button>
            <button
              type="button"
              disabled={rollback.isPending || active === 0}
              onClick={() => {
                before();
                rollback.mutate({ slot, version: 0 });
              }}
            >
              Roll back
            </button>
          </form>
          {tested && (
            <div role="status" className={tested.ok ? "ok" : "error"}>
              {tested.ok ? `Conformance passed: ${module?.name} meets the ${slot} slot's ${tested.vectors} vectors.` : `Conformance failed for ${module?.name}:`}
              {!tested.ok && (
                <ul>
                  {tested.problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {done && (
            <p role="status" className="ok">
              {done}
            </p>
          )}
        </>
      )}
      {error && (
        <p role="alert" className="error">
          {errorText(error)}
        </p>
      )}
      {versions.data && (
        <table>
          <caption>
            Versions of {slot}: {active ? `version ${active} active` : "built-in module active"}
          </caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">sha256</th>
              <th scope="col">Size</th>
              <th scope="col">Created</th>
              <th scope="col">Note</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.data.versions.map((v) => (
              <tr key={v.version} className={v.version === active ? "active" : undefined}>
                <th scope="row">{v.version}</th>
                <td>
                  <code>{v.sha256.slice(0, 16)}</code>
                </td>
                <td>{v.size.toLocaleString()} B</td>
                <td>{v.createdAt}</td>
                <td>{v.note}</td>
                <td>{v.version === active ? "active" : ""}</td>
                <td>
                  <button
                    type="button"
                    disabled={v.version === active || rollback.isPending}
                    onClick={() => {
                      before();
                      rollback.mutate({ slot, version: v.version });
                    }}
                  >
                    Activate
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {versions.data && versions.data.activations.length > 0 && (
        <details>
          <summary>Activation history</summary>
          <ol>
            {versions.data.activations.map((a, i) => (
              <li key={i}>
                version {a.version} at {a.activatedAt}
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
