import type * as pulumi from "@pulumi/pulumi";
import type { BackingKind } from "./kind";
import type { BackingBinding, NetworkPath, Provisioner, ServiceRequest, ServiceSpec } from "./types";

// How a profile answers a backing kind: it says where the server is and how to reach it; the
// kind (kind.ts) turns that into the service's settings and credentials, so variable names and
// the shared/dedicated rule are written once, whatever the profile.

/** What a profile's server hands back for one tenant. */
export interface Provided<Connection> {
  connection: Connection;
  /** Where the service's pods must be allowed to connect. */
  egress: NetworkPath[];
  /** What must exist before the service's migration Job runs (server ready, role created). */
  dependsOn: pulumi.Resource[];
}

/** One tenant's request, with what its spec asks for. */
export interface TenantRequest<Need> extends ServiceRequest {
  need: Need;
}

/** A provisioner for `kind` from the profile's `provide`. */
export function provisioner<Need, Connection, Key extends string>(
  kind: BackingKind<Need, Connection, Key>,
  provide: (request: TenantRequest<Need>) => Provided<Connection>,
): Provisioner {
  return {
    kind,
    provision: (request: ServiceRequest): BackingBinding => {
      const need = kind.need(request.service);
      if (need === undefined)
        throw new Error(`internal: ${request.service.name} does not ask for a ${kind.name}`);
      const provided = provide({ ...request, need });
      const { settings, credentials } = kind.environment(request.service, provided.connection);
      return {
        settings,
        credentials: credentials as Record<string, pulumi.Output<string>>,
        egress: provided.egress,
        dependsOn: provided.dependsOn,
      };
    },
  };
}

/** A service that shares the kind's server, with what it asks for. */
export interface Tenant<Need> {
  service: ServiceSpec;
  need: Need;
}

export interface TenantServers<Need, Connection, Server> {
  /** The shared server for every tenant that shares; called once, only when there is one. */
  shared(tenants: ReadonlyArray<Tenant<Need>>): Server;
  /**
   * A server of the service's own, for a kind whose `dedicated` says so.
   * @default none: the kind has no dedicated variant
   */
  dedicated?(request: TenantRequest<Need>): Server;
  /** One tenant's connection on a server (shared or dedicated). */
  connect(server: Server, request: TenantRequest<Need>): Provided<Connection>;
}

/**
 * The shared/dedicated split, the same for every kind and profile: the shared server is created
 * now (when some service shares it), a dedicated one when its service is provisioned.
 */
export function tenantProvisioner<Need, Connection, Key extends string, Server>(
  kind: BackingKind<Need, Connection, Key>,
  services: readonly ServiceSpec[],
  servers: TenantServers<Need, Connection, Server>,
): { provisioner: Provisioner; shared?: Server } {
  const isDedicated = (need: Need) => kind.dedicated?.(need) ?? false;
  const tenants = services.flatMap((service) => {
    const need = kind.need(service);
    return need === undefined || isDedicated(need) ? [] : [{ service, need }];
  });
  const shared = tenants.length > 0 ? servers.shared(tenants) : undefined;
  return {
    ...(shared === undefined ? {} : { shared }),
    provisioner: provisioner(kind, (request) => {
      if (isDedicated(request.need)) {
        if (!servers.dedicated)
          throw new Error(`internal: the profile has no dedicated ${kind.name} for ${request.service.name}`);
        return servers.connect(servers.dedicated(request), request);
      }
      if (shared === undefined)
        throw new Error(`internal: no shared ${kind.name} for ${request.service.name}, a sharing tenant`);
      return servers.connect(shared, request);
    }),
  };
}
