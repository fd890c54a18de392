// The host side of the metrics plugin: the functions this host offers to guests, each with the
// custom capability it needs. wsbc's runtime loads this module (run option `hostFunctions`) and
// links `plugin_host.emit_metric` only when the policy both allows the import and grants
// "metrics"; otherwise the run is refused before the guest starts.
export default [
  {
    module: 'plugin_host',
    name: 'emit_metric',
    capability: 'metrics',
    /** emit_metric(name_ptr: i32, name_len: i32, value: i64) -> i32 (0 = recorded). */
    fn(ctx, namePtr, nameLength, value) {
      // GuestMemory checks the pointer range: a bad pointer is the guest's fault, not a host crash.
      const name = ctx.memory.string(Number(namePtr), Number(nameLength));
      if (!/^[a-z0-9_.]{1,64}$/.test(name)) return 1;
      // A real host would forward the metric; here it goes to the audit log, which the caller sees.
      ctx.audit({ type: 'decision', capability: 'import', op: 'plugin_host.emit_metric', outcome: 'allowed', detail: { metric: name, value: Number(value) } });
      return 0;
    },
  },
];
