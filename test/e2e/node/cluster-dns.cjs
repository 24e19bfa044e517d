// Preloaded (`node --require`) into the commands the e2e runs on the host that call cluster
// addresses by name (`npm run verify` calls http://<service>.<namespace>.svc.cluster.local): names
// under cluster.local are resolved by the cluster's DNS (E2E_CLUSTER_DNS, CoreDNS's Service IP), as
// in a pod; everything else as usual. The host reaches Service IPs through kube-proxy's rules.
const dns = require("node:dns");

const server = process.env.E2E_CLUSTER_DNS;
if (server) {
  const resolver = new dns.Resolver({ timeout: 3000, tries: 2 });
  resolver.setServers([server]);
  const systemLookup = dns.lookup;
  dns.lookup = function lookup(hostname, options, callback) {
    const cb = typeof options === "function" ? options : callback;
    const opts = typeof options === "object" && options !== null ? options : {};
    if (!/\.cluster\.local\.?$/.test(String(hostname)))
      return systemLookup.call(dns, hostname, options, callback);
    resolver.resolve4(String(hostname), (error, addresses) => {
      if (error || addresses.length === 0) {
        const e = error ?? Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" });
        return cb(e);
      }
      if (opts.all)
        return cb(
          null,
          addresses.map((address) => ({ address, family: 4 })),
        );
      return cb(null, addresses[0], 4);
    });
  };
}
