// The error of an input the CLI cannot check (unreadable, oversized, not Kubernetes YAML): one line
// naming the input and what to do, exit 2.

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}
