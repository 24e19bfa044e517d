import type { NetworkPath } from "../backing/types";

// Where pods on AKS must be allowed to connect, as NetworkPolicy peers. Managed services sit
// behind private endpoints or in a delegated subnet of the stack's virtual network, so a path is
// that subnet's CIDR and the service's port. Entra ID has no fixed addresses: its path is every
// public address on 443, with the private ranges and the node's metadata endpoint carved out (a
// pod must not borrow the node's identity through IMDS).

export function subnetPath(name: string, cidr: string, port: number): NetworkPath {
  return { name, peers: [{ ipBlock: { cidr } }], ports: [{ port, protocol: "TCP" }] };
}

export const PRIVATE_AND_LINK_LOCAL = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"];

/** Token exchange with Entra ID (login.microsoftonline.com) over HTTPS. */
export const entraIdPath: NetworkPath = {
  name: "entra-id",
  peers: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_AND_LINK_LOCAL } }],
  ports: [{ port: 443, protocol: "TCP" }],
};
