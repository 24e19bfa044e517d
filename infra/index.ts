import * as pulumi from "@pulumi/pulumi";
import { isPlatformInputError } from "../components/errors/input-error";
import { definePlatform } from "./program";

// Pulumi entry point. Bad input becomes a RunError: Pulumi prints the message, not a stack trace.

function main() {
  try {
    return definePlatform();
  } catch (error) {
    if (isPlatformInputError(error)) throw new pulumi.RunError(error.message);
    throw error;
  }
}

export = main();
