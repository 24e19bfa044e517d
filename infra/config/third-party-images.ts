import type { ThirdPartyImageSource } from "../../components/kube/third-party-images";
import type { StackConfig } from "./schema";

/** `platform:images.mirror` and `platform:images.overrides` as the components take them. */
export function thirdPartyImageSource(config: Pick<StackConfig, "images">): ThirdPartyImageSource {
  return {
    ...(config.images.mirror ? { mirror: config.images.mirror } : {}),
    ...(config.images.overrides ? { overrides: config.images.overrides } : {}),
  };
}
