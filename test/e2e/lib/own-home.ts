import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./proc";

// `pulumi login --local` means `file://~`, and the engine resolves `~` from the user database
// (Go's os/user reads /etc/passwd; $HOME does not count), not from the environment: run as
// written, it would create the user's own ~/.pulumi backend. To run it word for word anyway, the
// commands run in a private mount namespace where /etc/passwd is a copy that gives the current
// user another home directory, inside the e2e's temporary directory: there `~` is that
// directory, and nothing outside it changes. As root: `unshare --mount`; otherwise
// `unshare --map-root-user --mount` (an unprivileged user namespace, in which the user is uid 0).

export interface OwnHome {
  /** The home `~` stands for inside the namespace. */
  home: string;
  /** The command and arguments that run `script` (a sh file) there, with `sh -e -x`. */
  command(script: string): [string, string[]];
}

/** The user's home as the engine sees it outside the namespace (the passwd entry, else $HOME). */
export function passwdHome(
  uid = process.getuid?.() ?? 0,
  passwd = readFileSync("/etc/passwd", "utf8"),
): string {
  const entry = passwd.split("\n").find((l) => l.split(":")[2] === String(uid));
  return entry?.split(":")[5] || (process.env.HOME ?? "");
}

/** /etc/passwd with `uid`'s home set to `home` (an entry added when there is none). */
export function passwdWithHome(passwd: string, uid: number, home: string): string {
  let found = false;
  const lines = passwd
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => {
      const fields = line.split(":");
      if (fields.length < 7 || fields[2] !== String(uid)) return line;
      found = true;
      fields[5] = home;
      return fields.join(":");
    });
  if (!found) lines.push(`e2e:x:${uid}:${uid}:e2e:${home}:/bin/sh`);
  return `${lines.join("\n")}\n`;
}

/**
 * A home under `dir` for commands run through `command()`; undefined with the reason when this
 * machine cannot make the namespace (no `unshare`, no user namespaces for a non-root user).
 */
export async function ownHome(
  dir: string,
  logFile: string,
): Promise<{ home: OwnHome } | { unavailable: string }> {
  const home = join(dir, "home");
  mkdirSync(home, { recursive: true });
  const root = process.getuid?.() === 0;
  // Inside the namespace the user is uid 0 either way (`--map-root-user` maps the user to it):
  // that is the entry the engine looks up there.
  const passwd = join(dir, "passwd");
  writeFileSync(passwd, passwdWithHome(readFileSync("/etc/passwd", "utf8"), 0, home));
  const unshare = root ? ["--mount", "--propagation", "private"] : ["--map-root-user", "--mount"];
  const command = (script: string): [string, string[]] => [
    "unshare",
    [
      ...unshare,
      "--",
      "sh",
      "-c",
      'mount --bind "$1" /etc/passwd && exec sh -e -x "$2"',
      "sh",
      passwd,
      script,
    ],
  ];
  const probeScript = join(dir, "probe.sh");
  writeFileSync(probeScript, 'getent passwd "$(id -u)" | cut -d: -f6\n');
  const [cmd, args] = command(probeScript);
  const probe = await run(cmd, args, { logFile, timeoutMs: 30_000 }).catch((e: Error) => ({
    code: -1,
    stdout: "",
    stderr: e.message,
  }));
  if (probe.code !== 0 || probe.stdout.trim() !== home) {
    return {
      unavailable: `cannot give \`~\` its own directory (unshare --mount with a bind-mounted /etc/passwd): exit ${probe.code}, ${(probe.stderr || probe.stdout).trim().split("\n").pop() ?? ""}`,
    };
  }
  return { home: { home, command } };
}
