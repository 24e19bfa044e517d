// How the engine protocol marks a secret value: `{[SECRET_SIG_KEY]: SECRET_SIG, value}`. The
// constants are @pulumi/pulumi's `runtime.specialSigKey` and `runtime.specialSecretSig`; they are
// restated here so the policy runner and the plan's redaction need not load the SDK to read them
// (./shapes.ts checks that they still match).
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
