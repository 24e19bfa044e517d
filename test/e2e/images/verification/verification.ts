import type { Checks } from "../../lib/report";
import type { ImageConfig } from "../../node/oci";
import type { debianRecipes } from "../recipes";
import type { PodRuntime } from "./pod";
import type { RenderedStack } from "./rendered";

// What one image's verification is: the recipe it checks, and the checks it runs on the pods of the
// rendered stack that use that recipe's image.

export interface VerifiedImage {
  /** The reference the stack's overrides give the pods. */
  name: string;
  /** The image's config (entrypoint, command, environment, user) as the recipe builds it. */
  config: ImageConfig;
}

export interface ImageVerification {
  recipe: keyof typeof debianRecipes;
  verify(rt: PodRuntime, stack: RenderedStack, image: VerifiedImage, checks: Checks): Promise<void>;
}
