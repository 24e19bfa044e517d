import type { DebianImageRecipe } from "./debian";

// The backing images the e2e builds from Debian bookworm packages, each honouring the contract of
// the pinned upstream image the platform runs by default (components/backing/images.ts): the
// same environment variables, ports, non-root user id, data path and commands on PATH, so the
// program's settings work unchanged. The versions are Debian's, not upstream's (PostgreSQL 15 for
// 17.6, Redis 7.0 for 8.2.1): what the platform relies on (initdb from POSTGRES_PASSWORD, psql
// \getenv, pg_isready; Redis ACL files) exists in both.

/** The official image's entrypoint, for what the platform uses of it. */
const POSTGRES_ENTRYPOINT = `#!/bin/sh
# docker-entrypoint.sh of the e2e's PostgreSQL image: the official image's contract for what the
# platform uses. On an empty PGDATA: initdb with POSTGRES_USER/POSTGRES_PASSWORD, password
# (scram-sha-256) authentication for every TCP client, listening on all addresses. Arguments that
# start with "-" are the server's.
set -eu
if [ "\${1#-}" != "$1" ]; then set -- postgres "$@"; fi
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "\${POSTGRES_PASSWORD:?is required (the official image refuses to start without it)}"
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --username="\${POSTGRES_USER:-postgres}" --pwfile="$pwfile" --auth-local=trust \\
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" > /dev/null
  rm -f "$pwfile"
  printf 'host all all all scram-sha-256\\n' >> "$PGDATA/pg_hba.conf"
  printf "listen_addresses = '*'\\n" >> "$PGDATA/postgresql.conf"
fi
exec "$@"
`;

/**
 * The official Varnish image's entrypoint, for what the platform uses of it: arguments are run as
 * given (the cache tier runs \`varnishd -F ...\` itself); without any, varnishd in the foreground
 * on VARNISH_HTTP_PORT with /etc/varnish/default.vcl and VARNISH_SIZE of memory.
 */
const VARNISH_ENTRYPOINT = `#!/bin/sh
set -eu
if [ "$#" -eq 0 ] || [ "\${1#-}" != "$1" ]; then
  set -- varnishd -F -f /etc/varnish/default.vcl -a "http=:\${VARNISH_HTTP_PORT},HTTP" -s "malloc,\${VARNISH_SIZE}" "$@"
fi
exec "$@"
`;

/** Give a Debian system user the upstream image's uid/gid (the pods run as that id). */
const uid = (user: string, id: number) =>
  `sed -i -e 's/^${user}:x:[0-9]*:[0-9]*:/${user}:x:${id}:${id}:/' "$1/etc/passwd" && sed -i -e 's/^${user}:x:[0-9]*:/${user}:x:${id}:/' "$1/etc/group"`;

export const debianRecipes = {
  postgres: {
    name: "docker.io/platform-e2e/postgres:15-bookworm",
    honours: "docker.io/library/postgres:17.6-alpine",
    packages: ["postgresql-15", "postgresql-client-15"],
    files: { "/usr/local/bin/docker-entrypoint.sh": POSTGRES_ENTRYPOINT },
    hooks: [
      uid("postgres", 70),
      // The cluster Debian's package creates at install time is not used: PGDATA is a volume.
      'rm -rf "$1/var/lib/postgresql/15" "$1/etc/postgresql/15" && mkdir -p "$1/var/lib/postgresql/data" "$1/var/run/postgresql"',
    ],
    config: {
      User: "70:70",
      Env: [
        "PATH=/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin:/bin",
        "LANG=C.UTF-8",
        "PGDATA=/var/lib/postgresql/data",
      ],
      Entrypoint: ["docker-entrypoint.sh"],
      Cmd: ["postgres"],
      ExposedPorts: { "5432/tcp": {} },
    },
  },
  redis: {
    name: "docker.io/platform-e2e/redis:7.0-bookworm",
    honours: "docker.io/library/redis:8.2.1-alpine",
    packages: ["redis-server"],
    files: {},
    hooks: [uid("redis", 999), 'mkdir -p "$1/data"'],
    config: {
      User: "999:999",
      Env: ["PATH=/usr/local/bin:/usr/bin:/bin"],
      WorkingDir: "/data",
      Cmd: ["redis-server"],
      ExposedPorts: { "6379/tcp": {} },
    },
  },
  varnish: {
    name: "docker.io/platform-e2e/varnish:7.1-bookworm",
    honours: "docker.io/library/varnish:7.7.3",
    // varnishd compiles the VCL with the C compiler (the package depends on gcc and libc6-dev).
    packages: ["varnish"],
    files: { "/usr/local/bin/docker-varnish-entrypoint": VARNISH_ENTRYPOINT },
    hooks: [
      uid("varnish", 1000),
      // The working directory (-n, the compiled VCL, the shared memory log) is a volume in the pods.
      'mkdir -p "$1/var/lib/varnish" "$1/etc/varnish"',
    ],
    config: {
      User: "1000:1000",
      Env: [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "VARNISH_HTTP_PORT=80",
        "VARNISH_SIZE=100M",
      ],
      WorkingDir: "/etc/varnish",
      Entrypoint: ["/usr/local/bin/docker-varnish-entrypoint"],
      Cmd: [],
      ExposedPorts: { "80/tcp": {} },
    },
  },
} satisfies Record<string, DebianImageRecipe>;
