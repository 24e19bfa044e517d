import { describe, expect, it } from "vitest";
import { passwdHome, passwdWithHome } from "./own-home";

// `pulumi login --local` resolves `~` from the user database: the e2e gives the user another
// home there (in a private mount namespace), and must change nothing else.

const PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";

describe("passwdWithHome", () => {
  it("changes the home of that uid only", () => {
    const out = passwdWithHome(PASSWD, 0, "/tmp/run/home");
    expect(passwdHome(0, out)).toBe("/tmp/run/home");
    expect(out.split("\n")[1]).toBe(PASSWD.split("\n")[1]);
    expect(out.split("\n").length).toBe(PASSWD.split("\n").length);
  });

  it("adds an entry when the uid has none", () => {
    const out = passwdWithHome(PASSWD, 1234, "/tmp/run/home");
    expect(passwdHome(1234, out)).toBe("/tmp/run/home");
    expect(out.startsWith(PASSWD)).toBe(true);
  });
});
