// The shapes the image audit works on: an image as its config plus layers read in order, the files
// the layers ship, and the findings the checks report. Kept free of I/O so checks stay pure.

import type { Readable } from "node:stream";

/** The OCI image config's `config` object (the Dockerfile's ENV, USER, ENTRYPOINT...). */
export interface ImageRuntimeConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, unknown>;
  Volumes?: Record<string, unknown>;
  Labels?: Record<string, string>;
}

/** One `history` entry: the Dockerfile instruction that made a layer (when the builder kept it). */
export interface HistoryEntry {
  created_by?: string;
  empty_layer?: boolean;
  comment?: string;
}

export interface ImageConfig {
  config?: ImageRuntimeConfig;
  history?: HistoryEntry[];
  os?: string;
  architecture?: string;
}

export interface LayerRef {
  /** 0-based position in the image, the order a runtime applies layers in. */
  index: number;
  digest: string;
  mediaType: string;
  size: number;
  /** The Dockerfile instruction that made it, from the config's history (non-empty entries). */
  createdBy?: string;
  /** A fresh stream of the layer blob as stored (compressed or not). */
  open(): Readable;
}

/** An image opened from an OCI layout, a `docker save`/`podman save` archive or a registry. */
export interface ImageSource {
  /** What the user named: a path or a registry reference. */
  name: string;
  config: ImageConfig;
  layers: LayerRef[];
  /** Releases what opening took (temporary downloads, file handles). */
  close(): Promise<void>;
}

/** A regular file (or symlink) as one layer ships it. */
export interface LayerFile {
  /** Absolute path in the image, normalised (`/app/.env.local.php`). */
  path: string;
  layer: LayerRef;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Target of a symlink, when the entry is one. */
  linkTarget?: string;
  /** The content, only for files some check asked for (see `wantsContent`) and under the size cap. */
  content?: Buffer;
  /** Set once a later layer deleted (whiteout) or replaced this path. */
  removedBy?: LayerRef;
}

export type Severity = "mandatory" | "advisory";

export interface ImageFinding {
  check: string;
  severity: Severity;
  message: string;
  /** The layer the finding is about, when it is about one. */
  layer?: LayerRef;
  /** The file the finding is about, when it is about one. */
  path?: string;
}

/** What the audit knows about the service that will run the image (from its catalog spec). */
export interface ServiceContext {
  name: string;
  /** The service may run more than one replica: per-pod files and caches lie (field notes 6). */
  replicated: boolean;
}

/** The platform's runtime contract the image must honour (docs/runtime-contract.md). */
export interface RuntimeContract {
  httpPort: number;
  /** The UID (and GID) every container runs as. */
  uid: number;
  metricsPort: number;
  /** Paths the pod mounts as emptyDirs on a read-only root filesystem. */
  writablePaths: string[];
}

export interface AuditContext {
  image: ImageSource;
  contract: RuntimeContract;
  service?: ServiceContext;
}

/**
 * One check of the audit. It may look at the image config, at files as the layers ship them
 * (including files a later layer removed), and at the final filesystem once every layer was read.
 */
export interface ImageCheck {
  id: string;
  description: string;
  severity: Severity;
  /** Whether the check needs this file's content (kept small: the audit caps and streams the rest). */
  wantsContent?(path: string, ctx: AuditContext): boolean;
  onConfig?(ctx: AuditContext, report: (f: Omit<ImageFinding, "check" | "severity">) => void): void;
  /** Called for each file whose content a check asked for, after every layer was read. */
  onFile?(
    file: LayerFile,
    ctx: AuditContext,
    report: (f: Omit<ImageFinding, "check" | "severity">) => void,
  ): void;
  onFinish?(
    files: ReadonlyMap<string, LayerFile>,
    ctx: AuditContext,
    report: (f: Omit<ImageFinding, "check" | "severity">) => void,
  ): void;
}
