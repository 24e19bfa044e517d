import { images } from "../../../components/backing/images";
import { httpCacheImages } from "../../../components/http-cache/images";
import { debianRecipes } from "./recipes";

// How a stack runs the images built here instead of the pinned upstream ones: the program's
// `platform:images.overrides` (components/kube/third-party-images.ts), keyed by the name of the
// pinned reference each recipe honours.

/** The pinned third-party images a recipe can stand in for, by the name overrides use. */
const PINNED: Readonly<Record<string, string>> = { ...images, ...httpCacheImages };

/** `platform:images.overrides` for every recipe: pinned image name -> the recipe's image. */
export function e2eImageOverrides(): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [recipe, { honours, name }] of Object.entries(debianRecipes)) {
    const pinned = Object.keys(PINNED).filter((key) => PINNED[key] === honours);
    if (pinned.length !== 1) {
      throw new Error(
        `test/e2e/images/recipes.ts: recipe ${recipe} honours ${honours}, which ${pinned.length === 0 ? "no" : "more than one"} pinned image name references`,
      );
    }
    overrides[pinned[0] as string] = name;
  }
  return overrides;
}
