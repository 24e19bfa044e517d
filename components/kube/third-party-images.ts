// Images the platform does not build (database, cache, broker, object store, log store, shipper)
// are pinned upstream references. A stack can take them from a registry mirror (a corporate
// proxy, an air-gapped registry) or replace any one of them; otherwise the pinned reference is used.

export interface ThirdPartyImageSource {
  /**
   * Registry host and optional path that replaces the upstream registry of every pinned reference:
   * with `mirror.example.com/hub`, `docker.io/grafana/loki:3.5.5` becomes
   * `mirror.example.com/hub/grafana/loki:3.5.5`. Per-image overrides win over it.
   */
  mirror?: string;
  /** Complete references by image name (`postgres`, `loki`, ...), used exactly as given. */
  overrides?: Readonly<Partial<Record<string, string>>>;
}

/** The reference to run for image `name`, pinned upstream as `pinned`. */
export function resolveImage(name: string, pinned: string, source: ThirdPartyImageSource = {}): string {
  const override = source.overrides?.[name];
  if (override) return override;
  if (!source.mirror) return pinned;
  const slash = pinned.indexOf("/");
  return `${source.mirror}/${pinned.slice(slash + 1)}`;
}

/** Every image of `pinned` resolved against `source`. */
export function resolveImages<K extends string>(
  pinned: Readonly<Record<K, string>>,
  source: ThirdPartyImageSource = {},
): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const name of Object.keys(pinned) as K[]) out[name] = resolveImage(name, pinned[name], source);
  return out;
}
